// The keyboard: ? shortcuts, / search, c compose, g a / g s / g f to the
// agents, the stream, search; j and k move, Enter opens, r replies, t the
// conversation, Esc closes or goes back. Only Esc works in a field.
"use strict";

(function () {
  const help = IPC.$("help");
  let pendingG = false;

  const toggleHelp = (show) => { help.hidden = !show; if (show) IPC.$("help-close").focus(); };
  IPC.$("help-open").addEventListener("click", () => toggleHelp(help.hidden));
  IPC.$("help-close").addEventListener("click", () => toggleHelp(false));

  const inField = (t) => t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape") {
      if (!help.hidden) toggleHelp(false);
      else if (inField(ev.target)) ev.target.blur();
      else if (["message", "thread", "compose", "search"].includes(IPC.route.name)) history.back();
      ev.preventDefault();
      return;
    }
    if (inField(ev.target)) return;
    if (pendingG) {
      pendingG = false;
      const to = { a: "#/agents", s: "#/stream", f: "#/search" }[ev.key];
      if (to) { IPC.go(to); ev.preventDefault(); }
      return;
    }
    const act = {
      "?": () => toggleHelp(help.hidden),
      "/": () => { IPC.go("#/search" + (IPC.route.name === "search" ? "?" + IPC.route.params : "")); IPC.$("search-q").focus(); },
      c: () => IPC.go("#/compose"),
      g: () => { pendingG = true; },
      j: () => IPC.select(1),
      k: () => IPC.select(-1),
      Enter: () => IPC.openSelected(),
      r: () => { if (IPC.route.name === "message") IPC.$("message-reply").click(); },
      t: () => { if (IPC.route.name === "message") IPC.$("message-thread").click(); },
    }[ev.key];
    if (act) { act(); ev.preventDefault(); }
  });
})();
