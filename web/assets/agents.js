// The agents screen: each agent, online or when last seen, its unread
// count and what it says it is doing. Re-fetched when a mailbox changes.
"use strict";

(function () {
  const list = IPC.$("agents-list");

  function row(a) {
    const li = IPC.el("li", { class: "agent", "data-agent": a.id, "data-online": a.online ? "true" : "false", tabindex: "-1" });
    li.append(
      IPC.el("span", { "data-field": "name", class: "name" }, a.id),
      IPC.el("span", { "data-field": "presence", class: "presence" }, a.online ? "online" : "last seen " + IPC.ago(a.last_seen)),
      IPC.el("span", { "data-field": "unread", "data-count": a.unread, "data-urgent": a.unread_urgent || 0, class: "unread" },
        a.unread ? a.unread + " unread" + (a.unread_urgent ? " (" + a.unread_urgent + " urgent)" : "") : ""),
      IPC.el("span", { "data-field": "doing", class: "doing" }, a.doing || ""),
    );
    li.addEventListener("click", () => IPC.go("#/compose?to=" + encodeURIComponent(a.id)));
    return li;
  }

  const load = IPC.coalesce(async () => {
    let data;
    try {
      data = await IPC.api("/api/agents");
    } catch (err) {
      IPC.showError(err);
      return;
    }
    const agents = data.agents.filter((a) => a.id !== data.human);
    const selected = list.querySelector('[aria-selected="true"]');
    list.replaceChildren(...agents.map(row));
    if (selected) {
      const again = list.querySelector('[data-agent="' + CSS.escape(selected.dataset.agent) + '"]');
      if (again) again.setAttribute("aria-selected", "true");
    }
    IPC.$("agents-empty").hidden = agents.length > 0;
    IPC.agents = agents.map((a) => a.id);
    IPC.emit("agents", IPC.agents);
  });

  IPC.screens.agents = { show: load };
  IPC.on("change", () => { if (IPC.route.name === "agents") load(); });
})();
