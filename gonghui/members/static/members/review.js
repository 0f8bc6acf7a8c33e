// The review queue's "tick all" box. Listening on the document keeps it working after htmx
// swaps the table in (filters, paging).
document.addEventListener("click", (event) => {
  const all = event.target.closest("[data-tick-all]");
  if (!all) return;
  for (const box of all.closest("table").querySelectorAll("tbody input[name=ids]")) {
    box.checked = all.checked;
  }
});
