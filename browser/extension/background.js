// WalkMe Session extension: the background of the reference extension
// (docs/products.md has the contract it implements).
//
// - It counts the tabs whose URL matches the WalkMe host patterns (managed
//   storage, set by IT policy; defaults.json otherwise) and, while any is
//   open, sends the agent a presence heartbeat through native messaging.
// - It holds one long-lived native port, subscribed to the agent's state, so
//   it hears at once when the session ends; it tells the WalkMe tabs and
//   shows the state on its toolbar badge.
// - It relays WalkMe pages' token requests to the agent.
"use strict";

const HOST = "com.walkme.agent";
const FIREFOX = navigator.userAgent.includes("Firefox");
const SOURCE = "browser:" + (FIREFOX ? "firefox" : "chromium");
const SCRIPT_ID = "walkme-session";

let config = { hostPatterns: [], heartbeatSeconds: 30, matchers: [] };
let port = null;
let nextId = 1;
const pending = new Map(); // request id -> resolve
let session = { state: "unknown", user: "", reason: "" };
let heartbeat = null; // the interval timer while a WalkMe tab is open
let reconnectDelay = 500;

// patternToRegExp turns a match pattern (scheme://host/path, as in
// manifests) into a RegExp over URLs. A pattern without a port matches
// every port, as the browser's own match patterns do.
function patternToRegExp(p) {
  if (p === "<all_urls>") return /^(https?|file):/;
  const m = /^(\*|https?):\/\/(\*|\*\.[^/*:]+|[^/*:]+)(?::(\*|\d+))?(\/.*)$/.exec(p);
  if (!m) {
    console.warn("WalkMe: ignoring the host pattern", p);
    return null;
  }
  const esc = (s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const scheme = m[1] === "*" ? "https?" : m[1];
  let host = esc(m[2]);
  if (m[2] === "*") host = "[^/:]+";
  else if (m[2].startsWith("*.")) host = "(?:[^/:]+\\.)?" + esc(m[2].slice(2));
  const portRe = m[3] === undefined || m[3] === "*" ? "(?::\\d+)?" : ":" + m[3];
  const path = esc(m[4]).replace(/\*/g, ".*");
  return new RegExp("^" + scheme + "://" + host + portRe + path + "$");
}

function isWalkMe(url) {
  return typeof url === "string" && config.matchers.some((re) => re.test(url));
}

async function loadConfig() {
  let managed = {};
  try {
    managed = await chrome.storage.managed.get(null);
  } catch (e) {
    // No managed storage (no policy, or a browser without one).
  }
  const defaults = await (await fetch(chrome.runtime.getURL("defaults.json"))).json();
  const patterns = Array.isArray(managed.hostPatterns) && managed.hostPatterns.length > 0
    ? managed.hostPatterns : defaults.hostPatterns;
  const seconds = Number.isInteger(managed.heartbeatSeconds) && managed.heartbeatSeconds > 0
    ? managed.heartbeatSeconds : defaults.heartbeatSeconds;
  return {
    hostPatterns: patterns,
    heartbeatSeconds: Math.min(Math.max(seconds, 1), 1200),
    matchers: patterns.map(patternToRegExp).filter(Boolean),
  };
}

// The content script goes into WalkMe pages only: registered for the
// configured patterns, and injected into WalkMe tabs already open.
async function installContentScript() {
  try {
    await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  } catch (e) {
    // Not registered yet.
  }
  if (config.hostPatterns.length === 0) return;
  await chrome.scripting.registerContentScripts([{
    id: SCRIPT_ID, matches: scriptMatches(config.hostPatterns), js: ["content.js"], runAt: "document_start",
  }]);
  for (const tab of await walkMeTabs()) {
    chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ["content.js"] }).catch(() => {});
  }
}

// scriptMatches are the match patterns the content script is registered
// for. Firefox's match patterns take no port (a pattern with one matches
// nothing), so there the port is dropped: the script then also goes into
// other ports of a WalkMe host, but stays inert there, because the
// background answers and tells only the pages that isWalkMe matches.
function scriptMatches(patterns) {
  if (!FIREFOX) return patterns;
  return patterns.map((p) => p.replace(/^([^:]+:\/\/[^/:]+):(?:\*|\d+)\//, "$1/"));
}

async function walkMeTabs() {
  const tabs = await chrome.tabs.query({});
  return tabs.filter((t) => isWalkMe(t.url));
}

// --- the native port ---

function connect() {
  port = chrome.runtime.connectNative(HOST);
  port.onMessage.addListener(onNative);
  port.onDisconnect.addListener(() => {
    const why = (chrome.runtime.lastError && chrome.runtime.lastError.message) || "the native host ended";
    port = null;
    for (const resolve of pending.values()) resolve({ ok: false, error: why, code: "unreachable" });
    pending.clear();
    setSession({ state: "unreachable", user: "", signed_out_reason: "", error: why });
    setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 30000);
  });
  request({ type: "subscribe" });
}

function request(msg) {
  return new Promise((resolve) => {
    if (!port) {
      resolve({ ok: false, error: "the WalkMe agent's native host is not connected", code: "unreachable" });
      return;
    }
    const id = nextId++;
    pending.set(id, resolve);
    port.postMessage(Object.assign({}, msg, { id }));
  });
}

function onNative(msg) {
  if (msg.type === "state") {
    if (msg.state !== "unreachable") reconnectDelay = 500;
    setSession(msg);
    return;
  }
  const resolve = pending.get(msg.id);
  if (resolve) {
    pending.delete(msg.id);
    resolve(msg);
  }
}

// --- state: badge and tabs ---

const BADGES = {
  active: ["ON", "#2e7d32"], idle: ["", "#2e7d32"], offline: ["OFF", "#f9a825"],
  asleep: ["", "#757575"], signed_out: ["OUT", "#c62828"], starting: ["…", "#757575"],
  unreachable: ["!", "#c62828"],
};

function setSession(msg) {
  const next = { state: msg.state, user: msg.user || "", reason: msg.signed_out_reason || "" };
  if (next.state === session.state && next.user === session.user) return;
  session = next;
  const [text, color] = BADGES[next.state] || ["?", "#757575"];
  chrome.action.setBadgeText({ text });
  chrome.action.setBadgeBackgroundColor({ color });
  const who = next.user ? " as " + next.user : "";
  chrome.action.setTitle({ title: "WalkMe session: " + next.state.replace("_", " ") + who });
  tellTabs();
}

async function tellTabs() {
  const msg = { type: "walkme-session", state: session.state, user: session.user, reason: session.reason };
  for (const tab of await walkMeTabs()) {
    chrome.tabs.sendMessage(tab.id, msg).catch(() => {}); // a tab without the script yet
  }
}

// --- presence ---

async function recount() {
  const open = (await walkMeTabs()).length;
  if (open > 0 && heartbeat === null) {
    beat();
    heartbeat = setInterval(beat, config.heartbeatSeconds * 1000);
  } else if (open === 0 && heartbeat !== null) {
    clearInterval(heartbeat);
    heartbeat = null;
  }
}

function beat() {
  request({ type: "presence", source: SOURCE, ttl_seconds: 3 * config.heartbeatSeconds });
}

// --- WalkMe pages (through content.js) ---

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!sender.tab || !isWalkMe(sender.url || sender.tab.url)) return false;
  if (msg && msg.type === "token") {
    ready.then(() => request({ type: "token", source: SOURCE, ttl_seconds: 3 * config.heartbeatSeconds }))
      .then((r) => sendResponse(r.ok
        ? { ok: true, token: r.token }
        : { ok: false, error: r.error || "refused", code: r.code || "" }));
    return true; // answers asynchronously
  }
  if (msg && msg.type === "state") {
    sendResponse({ type: "walkme-session", state: session.state, user: session.user, reason: session.reason });
  }
  return false;
});

chrome.tabs.onCreated.addListener(() => ready.then(recount));
chrome.tabs.onRemoved.addListener(() => ready.then(recount));
chrome.tabs.onReplaced.addListener(() => ready.then(recount));
chrome.tabs.onUpdated.addListener((_id, change) => {
  if (change.url !== undefined || change.status !== undefined) ready.then(recount);
});
chrome.storage.onChanged.addListener((_changes, area) => {
  // IT changed the policy — or the browser loaded it only now, after the
  // start below read no policy. The new start runs after the one under
  // way, never interleaved with it: interleaved, the older one could
  // finish last and put back the configuration without the policy.
  if (area === "managed") ready = ready.catch(() => {}).then(start);
});

async function start() {
  config = await loadConfig();
  await installContentScript();
  if (!port) connect();
  await recount();
}

let ready = start();
