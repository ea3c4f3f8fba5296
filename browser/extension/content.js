// WalkMe Session extension: the bridge between a WalkMe page and the
// extension (docs/products.md, "Page contract"). It runs only in pages that
// match the WalkMe host patterns.
//
// Page -> extension: window.postMessage({type: "walkme-token-request"}) and
// {type: "walkme-session-request"}, to the page's own origin.
// Extension -> page: window.postMessage of {type: "walkme-token", ok, token,
// error, code} and {type: "walkme-session", state, user, reason}, to the
// page's own origin; the latter also as a "walkme-session" CustomEvent on
// window, with the same object as its detail.
(() => {
  "use strict";
  if (window.__walkmeSessionBridge) return; // injected twice
  window.__walkmeSessionBridge = true;

  function tell(msg) {
    window.postMessage(msg, location.origin);
    if (msg.type === "walkme-session") {
      // Firefox: the detail must be cloned into the page's world.
      const detail = typeof cloneInto === "function" ? cloneInto(msg, window) : msg;
      window.dispatchEvent(new CustomEvent("walkme-session", { detail }));
    }
  }

  async function ask(msg) {
    try {
      return await chrome.runtime.sendMessage(msg);
    } catch (e) {
      return { ok: false, error: "the WalkMe extension is not available: " + e.message, code: "unreachable" };
    }
  }

  window.addEventListener("message", async (e) => {
    if (e.source !== window || e.origin !== location.origin || !e.data) return;
    if (e.data.type === "walkme-token-request") {
      const r = await ask({ type: "token" });
      // No answer: this page is not a WalkMe page (Firefox puts the script
      // into every port of a WalkMe host; see scriptMatches).
      if (r) tell(Object.assign({ type: "walkme-token" }, r));
    } else if (e.data.type === "walkme-session-request") {
      const r = await ask({ type: "state" });
      if (r && r.type === "walkme-session") tell(r);
    }
  });

  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.type === "walkme-session") tell(msg);
  });
})();
