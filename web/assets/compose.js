// The compose screen: write as the human to one agent, to several (one
// send each) or to everyone, with a subject, a priority and, opened from a
// message, the message it answers. The receipt shows each recipient's
// delivery state and moves on as they read: it is re-fetched when a
// mailbox changes, never on a timer.
"use strict";

(function () {
  const form = IPC.$("compose-form");
  const to = IPC.$("compose-to");
  const receiptList = IPC.$("receipt-list");
  let replyTo = "";
  let ids = []; // the ids of the receipt in view

  const mode = () => form.querySelector('input[name="mode"]:checked').value;
  function setMode(m) {
    IPC.$("compose-mode-" + m).checked = true;
    to.disabled = m === "broadcast";
  }
  for (const r of form.querySelectorAll('input[name="mode"]')) r.addEventListener("change", () => setMode(mode()));

  IPC.on("agents", (names) => {
    IPC.$("compose-names").replaceChildren(...names.map((n) => IPC.el("option", { value: n })));
  });

  function note(r) {
    if (r.error) return r.error.message;
    const notes = [];
    if (r.queued) notes.push("queued: " + r.requested + " has not registered yet" + (r.suggest ? " (did you mean " + r.suggest + "?)" : ""));
    if (r.forwarded) notes.push("forwarded: " + r.requested + " is now " + r.to);
    return notes.join("; ");
  }

  function receiptRow(r) {
    const state = r.error ? "failed" : r.delivery ? r.delivery.state : "unknown";
    const li = IPC.el("li", { class: "receipt", "data-to": r.to, "data-msg-id": r.id || null, "data-state": state, "data-kind": r.error ? r.error.error : null });
    const link = r.id ? IPC.el("a", { href: "#/message/" + encodeURIComponent(r.id), "data-field": "to" }, r.to) : IPC.el("span", { "data-field": "to" }, r.to);
    li.append(link, IPC.el("span", { "data-field": "state", class: "state" }, state), IPC.el("span", { "data-field": "note", class: "note" }, note(r)));
    return li;
  }

  const refresh = IPC.coalesce(async () => {
    if (!ids.length) return;
    const p = new URLSearchParams();
    for (const id of ids) p.append("id", id);
    let data;
    try {
      data = await IPC.api("/api/deliveries?" + p);
    } catch (err) {
      IPC.showError(err);
      return;
    }
    for (const d of data.deliveries) {
      const li = receiptList.querySelector('li[data-msg-id="' + CSS.escape(d.id) + '"]');
      if (!li || d.error) continue;
      li.dataset.state = d.state;
      li.querySelector('[data-field="state"]').textContent = d.state;
    }
  });
  IPC.on("change", refresh);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {
      to: [], broadcast: mode() === "broadcast",
      subject: IPC.$("compose-subject").value.trim(),
      priority: IPC.$("compose-priority").value,
      content: IPC.$("compose-body").value,
      reply_to: replyTo, ack: IPC.$("compose-ack").checked,
    };
    if (!body.broadcast) body.to = to.value.split(/[\s,]+/).filter(Boolean);
    if (mode() === "one" && body.to.length > 1) {
      IPC.showError({ kind: "bad_request", message: "one agent: give one name, or choose several" });
      return;
    }
    const send = IPC.$("compose-send");
    send.disabled = true;
    try {
      const data = await IPC.api("/api/send", body);
      IPC.showError(null);
      ids = data.receipts.filter((r) => r.id).map((r) => r.id);
      receiptList.replaceChildren(...data.receipts.map(receiptRow));
      IPC.$("receipt").hidden = false;
      IPC.$("compose-body").value = "";
    } catch (err) {
      IPC.showError(err);
    } finally {
      send.disabled = false;
    }
  });
  IPC.$("compose-body").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
  });

  IPC.screens.compose = {
    show(_, params) {
      replyTo = params.get("reply") || "";
      IPC.$("compose-reply-to").textContent = replyTo;
      IPC.$("compose-reply-to").parentElement.hidden = !replyTo;
      const names = (params.get("to") || "").split(",").filter(Boolean);
      if (names.length) to.value = names.join(", ");
      setMode(params.get("broadcast") === "1" ? "broadcast" : names.length > 1 ? "several" : names.length === 1 ? "one" : mode());
      (to.disabled ? IPC.$("compose-body") : names.length ? IPC.$("compose-body") : to).focus();
    },
  };
})();
