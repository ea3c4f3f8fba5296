// The Admin Center Security page: reads and saves the account's
// inactivity timeout through the admin API with a short-lived access
// token that /admin/token mints from the page's cookie session.
"use strict";

const STOPS = ["15m", "30m", "1h", "2h", "4h", "8h", "24h"];
const LABELS = ["15 min", "30 min", "60 min", "2 hrs", "4 hrs", "8 hrs", "24 hrs"];

async function accessToken() {
  const r = await fetch("/admin/token", { method: "POST", headers: { "X-Requested-With": "walkme-admin" } });
  if (r.status === 401) {
    location.assign("/admin/login");
    throw new Error("signed out");
  }
  if (!r.ok) throw new Error("could not reach the session service (" + r.status + ")");
  return r.json();
}

async function api(method, body) {
  const tok = await accessToken();
  document.getElementById("who").textContent = tok.email || "";
  const r = await fetch("/api/admin/security", {
    method,
    headers: { "Authorization": "Bearer " + tok.access_token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await r.json().catch(() => ({}));
  if (r.status === 403) throw new Error("Only an admin of this account can see and change the inactivity timeout.");
  if (!r.ok) throw new Error(data.error_description || ("request failed: " + r.status));
  return data;
}

function show(setting) {
  const i = STOPS.indexOf(setting);
  const slider = document.getElementById("timeout");
  if (i >= 0) slider.value = String(i);
  document.getElementById("current").textContent = i >= 0 ? LABELS[i] : setting + " (development setting)";
}

function status(msg, isError) {
  const el = document.getElementById("status");
  el.textContent = msg;
  el.className = isError ? "status error" : "status";
}

async function load() {
  const slider = document.getElementById("timeout");
  const save = document.getElementById("save");
  try {
    const s = await api("GET");
    show(s.inactivity_timeout);
    slider.disabled = false;
    save.disabled = false;
  } catch (e) {
    status(e.message, true);
  }
  slider.addEventListener("input", () => status("Unsaved change: " + LABELS[Number(slider.value)], false));
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const s = await api("PUT", { inactivity_timeout: STOPS[Number(slider.value)] });
      show(s.inactivity_timeout);
      status("Saved. The new timeout applies to every user of the account now.", false);
    } catch (e) {
      status(e.message, true);
    } finally {
      save.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", load);
