// The searchable picker (core/pickers.py): an ARIA combobox over htmx suggestions.
// Without this script the text box is a plain field the server resolves by exact name or code.
(function () {
  "use strict";
  if (window.gonghuiPicker) { return; }
  window.gonghuiPicker = true;

  function textOf(root) { return root.querySelector("[data-picker-text]"); }
  function hiddenOf(root) { return root.querySelector("[data-picker-id]"); }
  function listOf(input) { return document.getElementById(input.id + "_list"); }
  function options(input) {
    var list = listOf(input);
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }

  function setUp(root) {
    var input = textOf(root);
    if (!input || input.getAttribute("role") === "combobox") { return; }
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", input.id + "_list");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), input.id + "_note"].filter(Boolean).join(" "));
  }

  function open(input, isOpen) {
    var list = listOf(input);
    var has = options(input).length > 0;
    var shown = Boolean(isOpen && has);
    if (list) { list.hidden = !shown; }
    input.setAttribute("aria-expanded", shown ? "true" : "false");
    if (!shown) { activate(input, -1); }
  }

  function activate(input, index) {
    var all = options(input);
    all.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex(input) {
    return options(input).findIndex(function (option) { return option.getAttribute("aria-selected") === "true"; });
  }

  function choose(input, option) {
    var root = input.closest("[data-picker]");
    hiddenOf(root).value = option.getAttribute("data-pk");
    input.value = option.getAttribute("data-label");
    open(input, false);
    var note = document.getElementById(input.id + "_note");
    if (note) { note.textContent = ""; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-picker]").forEach(setUp);
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-picker-text")) { return; }
    // Typing again undoes the choice: what is posted is what the box now says.
    hiddenOf(input.closest("[data-picker]")).value = "";
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-picker-text")) { return; }
    var all = options(input);
    var expanded = input.getAttribute("aria-expanded") === "true";
    var index = activeIndex(input);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) { return; }
      event.preventDefault();
      if (!expanded) { open(input, true); }
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(input, index < 0 ? (step > 0 ? 0 : all.length - 1) : (index + step + all.length) % all.length);
    } else if (event.key === "Enter") {
      if (expanded && index >= 0) {
        event.preventDefault();
        choose(input, all[index]);
      }
    } else if (event.key === "Escape") {
      if (expanded) {
        event.preventDefault();
        open(input, false);
      }
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target instanceof Element ? event.target.closest("[role=option]") : null;
    var root = option ? option.closest("[data-picker]") : null;
    if (!root) { return; }
    event.preventDefault(); // keep the focus in the text box
    choose(textOf(root), option);
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.hasAttribute("data-picker-text")) { open(input, false); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!(target instanceof Element) || !target.classList.contains("picker-results")) { return; }
    var root = target.closest("[data-picker]");
    var input = textOf(root);
    setUp(root);
    open(input, document.activeElement === input);
  });
})();
