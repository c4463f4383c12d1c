// Clicking a citation [n] (an <a class="pc-cite" href="#src-n">) shows its paper in the
// sources panel: the panel scrolls to the entry with that id (and its quoted sentence),
// which is highlighted; a Compare cell (data-span) also lights its own span. Only
// the panel scrolls, so the chat stays where the reader left it. Runs in the capture
// phase so the Chatbot's own link handling (new tab) never sees these in-page links.
(() => {
  function show(id) {
    const entry = document.getElementById(id);
    if (!entry) return;
    document.querySelectorAll(".pc-src.pc-active").forEach((e) => e.classList.remove("pc-active"));
    entry.classList.add("pc-active");
    const panel = entry.closest(".pc-scroll");
    if (!panel) {
      entry.scrollIntoView({ behavior: "smooth", block: "nearest" });
      return;
    }
    const top = entry.getBoundingClientRect().top;
    let offset = top - panel.getBoundingClientRect().top;
    const mark = entry.querySelector("mark.pc-mark-active") || entry.querySelector("mark");
    if (mark) {
      // A quote deep in a long abstract: scroll further so the marked sentence shows.
      const markBottom = mark.getBoundingClientRect().bottom - top;
      if (markBottom > panel.clientHeight - 16) offset += markBottom - panel.clientHeight + 48;
    }
    panel.scrollTo({ top: panel.scrollTop + offset - 4, behavior: "smooth" });
    const box = panel.getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) panel.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element && event.target.closest("a.pc-cite");
      if (!link) return;
      event.preventDefault();
      event.stopPropagation();
      // A Compare cell names its span: light that span in its paper's abstract.
      document.querySelectorAll("mark.pc-mark-active").forEach((m) => m.classList.remove("pc-mark-active"));
      document.querySelectorAll("tr.pc-row-active").forEach((r) => r.classList.remove("pc-row-active"));
      const row = link.closest(".pc-table tr");
      if (row) row.classList.add("pc-row-active");
      const span = link.dataset.span;
      if (span) {
        document
          .querySelectorAll(`mark[data-spans~="${CSS.escape(span)}"]`)
          .forEach((m) => m.classList.add("pc-mark-active"));
      }
      show(decodeURIComponent(link.hash.slice(1)));
    },
    true,
  );
})();
