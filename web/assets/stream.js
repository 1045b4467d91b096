// The live stream: every message of every mailbox as it lands, newest at
// the top. It fills from the event stream whatever the screen in view, so
// nothing is missed while another screen is open.
"use strict";

(function () {
  const list = IPC.$("stream-list");
  const count = IPC.$("stream-count");
  const seen = new Set();
  const MAX = 10000; // rows kept; the oldest go first

  IPC.on("message", (m) => {
    if (seen.has(m.id)) return; // the backlog again, after a reconnect
    seen.add(m.id);
    list.prepend(IPC.msgRow(m));
    while (list.childElementCount > MAX) {
      seen.delete(list.lastElementChild.dataset.msgId);
      list.lastElementChild.remove();
    }
    count.textContent = String(list.childElementCount);
  });

  IPC.screens.stream = { show() {} };
})();
