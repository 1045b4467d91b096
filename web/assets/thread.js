// The conversation screen: a thread of any mailbox, oldest first, each
// reply indented under the message it answers. Re-fetched when a message
// of it lands.
"use strict";

(function () {
  const list = IPC.$("thread-list");
  let current = "", ids = new Set();

  const load = IPC.coalesce(async () => {
    const id = current;
    const messages = [];
    let after = "";
    try {
      do {
        const p = new URLSearchParams({ id });
        if (after) p.set("after", after);
        const data = await IPC.api("/api/thread?" + p);
        messages.push(...data.messages);
        after = data.next;
      } while (after && messages.length < 5000);
    } catch (err) {
      IPC.showError(err);
      return;
    }
    if (id !== current) return;
    const depth = new Map();
    ids = new Set(messages.map((m) => m.id));
    list.replaceChildren(...messages.map((m) => {
      const parent = m.in_reply_to && depth.has(m.in_reply_to) ? m.in_reply_to : "";
      const d = parent ? depth.get(parent) + 1 : 0;
      depth.set(m.id, d);
      const li = IPC.msgRow(m, { "data-depth": d, "data-reply-to": m.in_reply_to || null });
      if (m.id === id) li.setAttribute("aria-selected", "true");
      return li;
    }));
    const first = messages[0];
    IPC.$("thread-subject").textContent = first ? first.subject || "(no subject)" : "";
  });

  IPC.screens.thread = {
    show(id) {
      current = id;
      list.replaceChildren();
      IPC.$("thread-subject").textContent = "";
      load();
    },
  };
  IPC.on("message", (m) => {
    if (IPC.route.name === "thread" && (ids.has(m.thread) || ids.has(m.in_reply_to))) load();
  });
})();
