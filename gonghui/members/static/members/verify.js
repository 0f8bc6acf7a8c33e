// The offline card verifier. A card code reads GH1.<payload>.<signature>, both base64url; the
// payload is compact JSON signed with Ed25519. The union's public key is in the page, so the
// signature is checked here with WebCrypto and no request; when online, /card-check/ says in
// addition whether the card was revoked since. Everything shown comes from the code itself.
"use strict";

(() => {
  const form = document.getElementById("verify-form");
  if (!form) return;
  const input = document.getElementById("card-code-input");
  const verdict = document.getElementById("verdict");
  const text = document.getElementById("verify-text").dataset;
  const el = (id) => document.getElementById(id);
  const PREFIX = "GH1";
  const CHECK_TIMEOUT_MS = 5000;
  let keyPromise = null;
  let latest = 0; // the newest check; older answers arriving late are ignored
  let lastCode = "";

  function fromBase64url(value) {
    if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error("not base64url");
    const padded = value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    // atob ignores the unused low bits of the last character, so a code with that character
    // changed would decode to the same bytes: only the one canonical spelling is accepted.
    const canonical = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    if (canonical !== value) throw new Error("not canonical base64url");
    return bytes;
  }

  function publicKey() {
    if (!keyPromise) {
      keyPromise = crypto.subtle.importKey(
        "raw", fromBase64url(form.dataset.key), { name: "Ed25519" }, false, ["verify"]
      );
    }
    return keyPromise;
  }

  // The claims of a genuine code, or null for anything else (altered, forged, not a code).
  async function verify(code) {
    const parts = code.split(".");
    if (parts.length !== 3 || parts[0] !== PREFIX) return null;
    let payload, signature;
    try {
      payload = fromBase64url(parts[1]);
      signature = fromBase64url(parts[2]);
    } catch (error) {
      return null;
    }
    if (signature.length !== 64) return null;
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, await publicKey(), signature, payload);
    if (!ok) return null;
    try {
      const claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
      const fields = ["n", "m", "u", "j"];
      if (fields.some((name) => typeof claims[name] !== "string")) return null;
      return claims;
    } catch (error) {
      return null;
    }
  }

  function show(state, title, detail, claims) {
    // A photo's answer from the server gives way to the newer check made here.
    for (const id of ["scan-result", "photo-claims"]) if (el(id)) el(id).hidden = true;
    verdict.hidden = false;
    verdict.className = "verdict " + state;
    el("verdict-title").textContent = title;
    el("verdict-detail").textContent = detail;
    el("verdict-claims").hidden = !claims;
    el("claim-name").textContent = claims ? claims.m : "";
    el("claim-union").textContent = claims ? claims.u : "";
    el("claim-number").textContent = claims ? claims.n : "";
    el("claim-joined").textContent = claims ? claims.j : "";
    el("verdict-online").textContent = "";
    verdict.dataset.online = "";
  }

  async function checkOnline(code, check) {
    if (navigator.onLine === false) {
      el("verdict-online").textContent = text.offline;
      verdict.dataset.online = "offline";
      return;
    }
    el("verdict-online").textContent = text.checking;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), CHECK_TIMEOUT_MS);
    let status = "offline";
    try {
      const url = form.dataset.checkUrl + "?code=" + encodeURIComponent(code);
      const response = await fetch(url, {
        cache: "no-store", credentials: "omit", signal: controller.signal,
      });
      if (response.ok) status = (await response.json()).status || "offline";
    } catch (error) {
      status = "offline";
    } finally {
      clearTimeout(timer);
    }
    if (check !== latest) return;
    const messages = {
      valid: text.valid, revoked: text.revoked, left: text.left, unknown: text.unknown,
      outdated: text.outdated,
    };
    if (!Object.hasOwn(messages, status)) status = "offline";
    el("verdict-online").textContent = status === "offline" ? text.offline : messages[status];
    verdict.dataset.online = status;
    // A genuine card that is no longer current is shown in red, as loudly as a forgery.
    if (status !== "valid" && status !== "offline") verdict.classList.add("revoked");
  }

  async function run() {
    const code = input.value.trim();
    if (!code || code === lastCode) return;
    lastCode = code;
    const check = ++latest;
    if (!(window.crypto && crypto.subtle)) {
      show("not-genuine", text.unsupported, "", null);
      return;
    }
    let claims;
    try {
      claims = await verify(code);
    } catch (error) {
      // Ed25519 missing from this browser's WebCrypto: say so rather than "not genuine".
      if (check === latest) show("unsupported", text.unsupported, "", null);
      keyPromise = null;
      return;
    }
    if (check !== latest) return;
    if (!claims) {
      show("not-genuine", text.notGenuine, text.notGenuineDetail, null);
      return;
    }
    show("genuine", text.genuine, text.genuineDetail, claims);
    checkOnline(code, check);
  }

  let debounce = null;
  input.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(run, 120);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    lastCode = "";
    run();
    input.select();
  });
})();
