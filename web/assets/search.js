// The search screen: full-text search of every mailbox with its filters,
// newest first, a page at a time. The query lives in the hash
// (#/search?q=...&from=...), so a search is a link.
"use strict";

(function () {
  const form = IPC.$("search-form");
  const results = IPC.$("search-results");
  const more = IPC.$("search-more");
  const status = IPC.$("search-status");
  const fields = { q: "search-q", from: "search-from", to: "search-to", since: "search-since" };
  let next = "", query = null;

  async function fetchPage(append) {
    const params = new URLSearchParams(query);
    if (append && next) params.set("after", next);
    let data;
    try {
      data = await IPC.api("/api/search?" + params);
    } catch (err) {
      IPC.showError(err);
      status.textContent = "";
      return;
    }
    const rows = data.messages.map((m) => IPC.msgRow(m));
    if (append) results.append(...rows);
    else results.replaceChildren(...rows);
    next = data.next;
    more.hidden = !next;
    status.textContent = results.childElementCount ? results.childElementCount + (next ? "+" : "") + " found" : "Nothing found.";
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, id] of Object.entries(fields)) {
      const v = IPC.$(id).value.trim();
      if (v) p.set(k, v);
    }
    if (IPC.$("search-unread").checked) p.set("unread", "1");
    IPC.go("#/search?" + p);
  });
  more.addEventListener("click", () => fetchPage(true));

  IPC.screens.search = {
    show(_, params) {
      for (const [k, id] of Object.entries(fields)) IPC.$(id).value = params.get(k) || "";
      IPC.$("search-unread").checked = params.get("unread") === "1";
      query = params;
      next = "";
      if ([...params.keys()].length === 0) {
        results.replaceChildren();
        more.hidden = true;
        status.textContent = "";
        return;
      }
      status.textContent = "Searching…";
      fetchPage(false);
    },
  };
})();
