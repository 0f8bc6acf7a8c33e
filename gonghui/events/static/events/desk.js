// The card-scan desk. A USB or Bluetooth scanner types the card code into the field and
// presses Enter; htmx posts it and swaps in the result. This file keeps the field empty and
// focused for the next card, and keeps fast scans apart: each code is taken out of the field
// the moment it is submitted and sent in order, so a second card scanned while the first is
// still on its way neither mixes with it nor gets lost. Without JavaScript the form posts
// normally and the page comes back with the result.
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var input = document.getElementById("card-code");
  if (!form || !input || !window.htmx) {
    return;
  }
  var waiting = []; // codes submitted, in order, not yet sent

  function ready() {
    input.value = "";
    input.focus();
  }

  function show(tone, message) {
    var box = document.getElementById("scan-result");
    if (!box) {
      return;
    }
    box.className = "scan-answer " + tone;
    box.setAttribute("data-code", "error");
    box.setAttribute("role", "alert");
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "scan-answer-message";
    p.id = "scan-message";
    p.textContent = message;
    box.appendChild(p);
  }

  // Capture phase on the document: runs before htmx reads the form.
  document.addEventListener(
    "submit",
    function (event) {
      if (event.target !== form) {
        return;
      }
      var code = input.value.trim();
      if (!code) {
        event.preventDefault();
        event.stopImmediatePropagation();
        ready();
        return;
      }
      waiting.push(code);
      input.value = "";
    },
    true
  );

  form.addEventListener("htmx:configRequest", function (event) {
    var code = waiting.shift();
    if (code !== undefined) {
      event.detail.parameters.card_code = code;
    }
  });

  form.addEventListener("htmx:afterRequest", function () {
    if (document.activeElement !== input && !input.value) {
      input.focus();
    }
  });

  form.addEventListener("htmx:sendError", function () {
    show("bad", form.getAttribute("data-text-offline") || "No connection: the scan was not recorded.");
  });

  form.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    show("bad", (form.getAttribute("data-text-error") || "The server refused the scan.") + " (" + status + ")");
  });

  // Back to the field whenever the page gets the focus again (another window, a click on the
  // page background), so the scanner's next keystrokes land in it.
  window.addEventListener("focus", function () {
    input.focus();
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && !target.closest("a, button, input, select, textarea, label")) {
      input.focus();
    }
  });

  ready();
})();
