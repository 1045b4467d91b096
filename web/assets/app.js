// The console's shared parts: the API, the router, the live event stream,
// rows of messages and the keyboard's selection. Each screen is one file
// that registers itself in IPC.screens. Peer text is set with textContent
// only, never as HTML.
"use strict";

const IPC = (window.IPC = { screens: {}, handlers: {}, route: { name: "", arg: "", params: new URLSearchParams() } });

// $ finds an element by id.
IPC.$ = (id) => document.getElementById(id);

// el makes an element with attributes and text (as text, never HTML).
IPC.el = function (tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : String(v));
  }
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
};

// on and emit: the page's own events ("message", "change").
IPC.on = function (name, fn) {
  (IPC.handlers[name] = IPC.handlers[name] || []).push(fn);
};
IPC.emit = function (name, value) {
  for (const fn of IPC.handlers[name] || []) fn(value);
};

// showError puts an API error in #error; showError(null) clears it.
IPC.showError = function (err) {
  const box = IPC.$("error");
  box.textContent = err ? err.message : "";
  if (err) box.dataset.kind = err.kind;
  else delete box.dataset.kind;
};

// api fetches a JSON route; it throws {kind, message} on an error.
IPC.api = async function (path, body) {
  const opts = { credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    opts.method = "POST";
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res, data;
  try {
    res = await fetch(path, opts);
    data = await res.json();
  } catch (e) {
    throw { kind: "unreachable", message: "the console does not answer: is ipc web still running?" };
  }
  if (!res.ok) throw { kind: data.error || "internal", message: data.message || res.statusText };
  return data;
};

// coalesce runs fn now, or once more after the run in flight ends: a burst
// of events costs at most two fetches, and no timer is involved.
IPC.coalesce = function (fn) {
  let running = false, again = false;
  const run = async () => {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await fn(); } while (again);
    } finally {
      running = false;
    }
  };
  return run;
};

// time formats an RFC 3339 time for a row: the time today, else the date.
IPC.time = function (iso) {
  if (!iso) return "";
  const d = new Date(iso), now = new Date();
  return d.toDateString() === now.toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
};

// ago says how long ago an RFC 3339 time was.
IPC.ago = function (iso) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000));
  if (s < 60) return s + "s ago";
  if (s < 3600) return Math.round(s / 60) + "m ago";
  if (s < 86400) return Math.round(s / 3600) + "h ago";
  return Math.round(s / 86400) + "d ago";
};

// msgRow is a message as a row of the stream, a search or a thread; its
// data-read and data-ack say whether the recipient has read it and
// whether the sender asked for an acknowledgement (a quiet label each).
IPC.msgRow = function (m, extra) {
  const li = IPC.el("li", Object.assign({ class: "msg", "data-msg-id": m.id, "data-priority": m.priority || "normal", "data-thread": m.thread,
    "data-read": m.read ? "true" : "false", "data-ack": m.ack_requested ? "true" : "false", tabindex: "-1" }, extra || {}));
  const head = IPC.el("div", { class: "head" });
  head.append(
    IPC.el("span", { "data-field": "from" }, m.from),
    IPC.el("span", { class: "arrow" }, "→"),
    IPC.el("span", { "data-field": "to" }, m.kind === "broadcast" ? m.to + " (broadcast)" : m.to),
    IPC.el("span", { "data-field": "priority", class: "prio" }, m.priority && m.priority !== "normal" ? m.priority : ""),
    IPC.el("span", { "data-field": "read", class: "state" }, m.read ? "read" : "unread"),
    IPC.el("span", { "data-field": "ack", class: "state" }, m.ack_requested ? "ack requested" : ""),
    IPC.el("time", { "data-field": "time", datetime: m.time }, IPC.time(m.time)),
  );
  li.append(head, IPC.el("div", { "data-field": "subject", class: "subject" }, m.subject || ""), IPC.el("div", { "data-field": "snippet", class: "snippet" }, (m.content || "").slice(0, 240)));
  li.addEventListener("click", () => IPC.go("#/message/" + encodeURIComponent(m.id)));
  return li;
};

// The router: #/NAME[/ARG][?QUERY] shows section#screen-NAME. go renders
// at once (a key that moves and then focuses a field finds it shown);
// back and forward come as hashchange.
IPC.go = function (hash) {
  if (location.hash !== hash) history.pushState(null, "", hash);
  IPC.render();
};
IPC.render = function () {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?", 2);
  const [name, ...rest] = path.split("/");
  const screen = IPC.screens[name] ? name : "agents";
  IPC.route = { name: screen, arg: decodeURIComponent(rest.join("/")), params: new URLSearchParams(query || "") };
  document.body.dataset.screen = screen;
  for (const s of document.querySelectorAll("main > section[data-screen]")) s.hidden = s.dataset.screen !== screen;
  for (const a of document.querySelectorAll("#topbar nav a")) a.classList.toggle("current", a.id === "nav-" + screen);
  IPC.showError(null);
  IPC.screens[screen].show(IPC.route.arg, IPC.route.params);
};

// rows are the rows of the screen in view that j, k and Enter move over.
IPC.rows = function () {
  const sec = IPC.$("screen-" + IPC.route.name);
  return sec ? Array.from(sec.querySelectorAll("li.msg, li.agent")) : [];
};
IPC.select = function (delta) {
  const rows = IPC.rows();
  if (!rows.length) return;
  let i = rows.findIndex((r) => r.getAttribute("aria-selected") === "true");
  if (i >= 0) rows[i].removeAttribute("aria-selected");
  i = i < 0 ? (delta > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, i + delta));
  rows[i].setAttribute("aria-selected", "true");
  rows[i].focus({ preventScroll: true });
  rows[i].scrollIntoView({ block: "nearest" });
};
IPC.openSelected = function () {
  const row = IPC.rows().find((r) => r.getAttribute("aria-selected") === "true");
  if (row) row.click();
};

// connect follows the event stream: each message as it lands, and the
// hint that something changed. EventSource reconnects by itself; the
// backlog then comes again and the stream keeps each message once.
IPC.connect = function () {
  const conn = IPC.$("conn");
  const state = (s) => { conn.dataset.state = s; conn.textContent = s === "open" ? "live" : s; };
  const es = new EventSource("/api/events");
  es.addEventListener("hello", () => state("open"));
  es.addEventListener("message", (ev) => IPC.emit("message", JSON.parse(ev.data)));
  es.addEventListener("change", () => IPC.emit("change"));
  es.addEventListener("error", (ev) => {
    if (ev.data) {
      const d = JSON.parse(ev.data); // the server's error event, before it ends the stream
      IPC.showError({ kind: d.error, message: d.message });
    }
    state(es.readyState === EventSource.CLOSED ? "closed" : "connecting");
  });
  IPC.events = es;
};

document.addEventListener("DOMContentLoaded", () => {
  window.addEventListener("hashchange", IPC.render);
  IPC.connect();
  IPC.render();
});
