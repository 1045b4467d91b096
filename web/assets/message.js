// The message screen: one message of any mailbox and its delivery
// timeline (sent, queued, surfaced by which door, read by which door,
// acknowledged; or expired or bounced, and why). Re-fetched when a
// mailbox changes, so the timeline moves on as the recipient reads.
"use strict";

(function () {
  const timeline = IPC.$("timeline");
  let current = "";

  function step(name, at, text, door) {
    const li = IPC.el("li", { "data-step": name, "data-door": door || null });
    li.append(IPC.el("span", { class: "step" }, name), IPC.el("time", { datetime: at || null }, at ? IPC.time(at) : ""), IPC.el("span", { class: "what" }, text));
    return li;
  }

  // steps turns a delivery into the timeline's rows, oldest first.
  function steps(d) {
    const out = [step("sent", d.sent_at, "from " + d.from + " to " + (d.requested && d.requested !== d.to ? d.requested + " → " + d.to : d.to))];
    if (d.state === "queued") out.push(step("queued", "", d.to + " has not registered yet: it gets the message when it does"));
    for (const s of d.surfaced || []) {
      if (!s.read) out.push(step("surfaced", s.at, "shown by " + s.door + " (a preview: not read yet)", s.door));
    }
    if (d.read_at || d.read_by) out.push(step("read", d.read_at, "read through " + (d.read_by || "a door that kept no record"), d.read_by));
    if (d.acknowledged_at) out.push(step("acknowledged", d.acknowledged_at, "acknowledged by " + d.to));
    if (["expired", "bounced", "unknown"].includes(d.state)) out.push(step(d.state, d.ended_at, d.reason || ""));
    return out;
  }

  const load = IPC.coalesce(async () => {
    const id = current;
    let data;
    try {
      data = await IPC.api("/api/message?id=" + encodeURIComponent(id));
    } catch (err) {
      IPC.showError(err);
      return;
    }
    if (id !== current) return;
    const m = data.message, d = data.delivery;
    IPC.$("message-subject").textContent = m.subject || "(no subject)";
    IPC.$("message-from").textContent = m.from;
    IPC.$("message-to").textContent = m.orig_to && m.orig_to !== m.to ? m.orig_to + " → " + m.to : m.to;
    IPC.$("message-priority").textContent = m.priority;
    const t = IPC.$("message-time");
    t.dateTime = m.time;
    t.textContent = IPC.time(m.time);
    IPC.$("message-body").textContent = m.content;
    const st = IPC.$("message-state");
    st.dataset.state = d.state;
    st.textContent = d.state;
    timeline.replaceChildren(...steps(d));
    IPC.$("timeline-reason").textContent = d.reason || "";
    IPC.$("message-thread").href = "#/thread/" + encodeURIComponent(m.id);
    IPC.$("message-reply").href = "#/compose?reply=" + encodeURIComponent(m.id) + "&to=" + encodeURIComponent(m.from === "human" ? m.to : m.from);
  });

  IPC.screens.message = {
    show(id) {
      current = id;
      for (const f of ["message-subject", "message-from", "message-to", "message-priority", "message-time", "message-body", "message-state", "timeline-reason"]) IPC.$(f).textContent = "";
      timeline.replaceChildren();
      load();
    },
  };
  IPC.on("change", () => { if (IPC.route.name === "message") load(); });
})();
