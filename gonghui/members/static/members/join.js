/* The joining form keeps its draft on this phone and sends it safely.
 *
 * Every change is saved in localStorage together with the form's one-time token, so a reload or
 * a dropped connection loses nothing. Submitting posts the form with fetch. When the network is
 * down the draft stays, a notice says so, and the same form (with the SAME token) is sent again
 * when the phone is back online and every 15 seconds: the server answers a repeated token with
 * the first result, so a retry never creates a second application. The receipt page clears the
 * drafts, and a draft older than a day is dropped (a phone may be shared).
 * Without JavaScript the form is an ordinary POST.
 */
(function () {
  "use strict";

  var PREFIX = "gonghui-join:";
  var MAX_AGE_MS = 24 * 60 * 60 * 1000;
  var RETRY_MS = 15000;
  var SKIP = { csrfmiddlewaretoken: true };

  var waiting = null; // the form whose submission waits for the network
  var sending = false;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // private mode or storage disabled: the form still works, without drafts
    }
  }

  function clearDrafts() {
    var storage = store();
    if (!storage) return;
    for (var i = storage.length - 1; i >= 0; i--) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) storage.removeItem(key);
    }
  }

  function save(form) {
    var storage = store();
    if (!storage) return;
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name]) return;
      if (el.type === "checkbox") fields[el.name] = el.checked;
      else if (el.type === "radio") {
        if (el.checked) fields[el.name] = el.value;
      } else fields[el.name] = el.value;
    });
    try {
      storage.setItem(form.dataset.draftKey, JSON.stringify({ savedAt: Date.now(), fields: fields }));
    } catch (error) {
      /* storage full: keep going without a draft */
    }
  }

  function restore(form) {
    var storage = store();
    if (!storage) return false;
    var draft;
    try {
      draft = JSON.parse(storage.getItem(form.dataset.draftKey) || "null");
    } catch (error) {
      draft = null;
    }
    if (!draft || !draft.fields || Date.now() - draft.savedAt > MAX_AGE_MS) {
      storage.removeItem(form.dataset.draftKey);
      return false;
    }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || !(el.name in draft.fields)) return;
      var value = draft.fields[el.name];
      if (el.type === "checkbox") el.checked = value === true;
      else if (el.type === "radio") el.checked = el.value === value;
      else el.value = value;
    });
    return true;
  }

  function say(form, message) {
    var status = form.querySelector("#join-status");
    if (!status) return;
    status.textContent = message || "";
    status.hidden = !message;
  }

  function showPage(form, html) {
    // A page with field errors: put its <main> in place of ours and carry on with its form.
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    var current = document.querySelector("main");
    if (!main || !current || !main.querySelector("form")) {
      HTMLFormElement.prototype.submit.call(form); // something unexpected: let the browser show it
      return;
    }
    current.replaceWith(main);
    document.title = page.title;
    var next = document.getElementById("join-form");
    if (next) setup(next);
    var error = main.querySelector(".has-error, .errors");
    if (error) {
      error.scrollIntoView({ block: "center" });
      var input = error.querySelector("input, select");
      if (input) input.focus({ preventScroll: true });
    }
  }

  function send(form) {
    if (sending) return;
    sending = true;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    say(form, form.dataset.msgSending);
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.status >= 500) throw new Error("server unavailable");
        sending = false;
        waiting = null;
        if (response.redirected) {
          window.location.assign(response.url); // the receipt page, which clears the draft
          return null;
        }
        return response.text().then(function (html) {
          showPage(form, html);
        });
      })
      .catch(function () {
        // No answer (offline, or the connection dropped mid-way): the server may or may not
        // have the application, and resending the same token is safe either way.
        sending = false;
        waiting = form;
        if (button) button.disabled = false;
        say(form, form.dataset.msgSaved);
      });
  }

  function retry() {
    if (waiting && document.body.contains(waiting)) send(waiting);
  }

  function setup(form) {
    if (form.hasAttribute("data-fresh") && restore(form)) say(form, form.dataset.msgRestored);
    form.addEventListener("input", function () {
      save(form);
    });
    form.addEventListener("change", function () {
      save(form);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save(form);
      send(form);
    });
  }

  window.addEventListener("online", retry);
  window.setInterval(retry, RETRY_MS);

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-draft-done]")) clearDrafts();
    var form = document.getElementById("join-form");
    if (form) setup(form);
  });
})();
