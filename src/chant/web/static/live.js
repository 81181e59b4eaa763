// Live updates for the dashboard: one EventSource on /events (fed by the run journals), applied in place.
(function () {
  "use strict";
  var ICONS = {ready: "○", blocked: "⊘", pending: "○", in_progress: "◐", paused: "‖", completed: "●",
    failed: "✗", needs_attention: "!", cancelled: "–", skipped: "–", died: "✗"};
  var LABELS = {ready: "Ready", blocked: "Blocked", in_progress: "Running", paused: "Paused",
    needs_attention: "Needs attention", failed: "Failed", completed: "Completed", cancelled: "Cancelled",
    pending: "Pending"};
  var offset = 0;  // server clock minus ours, in seconds
  var running = {};  // spec id -> start (server epoch seconds)
  var meta = document.querySelector('meta[name="chant-version"]');
  var conn = document.getElementById("conn");

  function label(state) { return LABELS[state] || state.replace(/_/g, " "); }
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function attr(value) { return String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"'); }
  function now() { return Date.now() / 1000 + offset; }
  function fmt(seconds) {
    var s = Math.max(0, Math.round(seconds)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + "h " : "") + m + "m " + (s % 60) + "s";
  }
  function naturalKey(id) {
    return id.split(/(\d+)/).map(function (p) { return /^\d+$/.test(p) ? ("0000000000" + p).slice(-10) : p; }).join("");
  }

  function setState(id, state) {
    var sel = '[data-state-of="' + attr(id) + '"]';
    each(sel, function (el) {
      if (el.dataset.dot) {
        el.className = "dot state-" + state;
        el.textContent = ICONS[state] || "·";
      } else {
        el.className = "badge state-" + state;
        el.textContent = (ICONS[state] || "·") + " " + label(state);
      }
    });
    each('svg rect.node[data-id="' + attr(id) + '"]', function (el) { el.setAttribute("class", "node state-" + state); });
    each('.card[data-id="' + attr(id) + '"]', function (card) {
      if (card.dataset.state === state) return;
      card.className = "card state-" + state;
      card.dataset.state = state;
      var column = document.querySelector('[data-column="' + state + '"] .cards');
      if (!column) { card.hidden = true; return; }
      var key = naturalKey(id), before = null;
      Array.prototype.some.call(column.children, function (other) {
        if (naturalKey(other.dataset.id || "") > key) { before = other; return true; }
        return false;
      });
      column.insertBefore(card, before);
    });
    if (state !== "in_progress") { stopClock(id); }
  }

  function stopClock(id) {
    if (running[id] === undefined) return;
    delete running[id];
    each('[data-elapsed-of="' + attr(id) + '"]', function (el) { el.textContent = ""; });
    each('[data-running="' + attr(id) + '"]', function (el) { el.parentNode.removeChild(el); });
    var panel = document.getElementById("running-list");
    if (panel && !panel.children.length) { document.getElementById("running").hidden = true; }
  }

  function startClock(id, since, title) {
    running[id] = since;
    var panel = document.getElementById("running-list");
    if (panel && !panel.querySelector('[data-running="' + attr(id) + '"]')) {
      var item = document.createElement("div");
      item.className = "run-item";
      item.dataset.running = id;
      var a = document.createElement("a");
      a.href = "/spec/" + encodeURIComponent(id);
      a.textContent = id;
      var span = document.createElement("span");
      span.className = "elapsed";
      span.dataset.elapsedOf = id;
      var pre = document.createElement("pre");
      pre.className = "log";
      pre.dataset.logOf = id;
      item.appendChild(a);
      item.appendChild(document.createTextNode(" " + (title || "") + " "));
      item.appendChild(span);
      item.appendChild(pre);
      panel.appendChild(item);
      document.getElementById("running").hidden = false;
    }
    tick();
  }

  function tick() {
    var t = now();
    Object.keys(running).forEach(function (id) {
      each('[data-elapsed-of="' + attr(id) + '"]', function (el) { el.textContent = "running " + fmt(t - running[id]); });
    });
  }

  var timelineBusy = false;
  function refreshTimeline() {
    var fig = document.querySelector("[data-timeline-of]");
    if (!fig || timelineBusy) return;
    timelineBusy = true;
    fetch("/fragment/timeline/" + encodeURIComponent(fig.dataset.timelineOf), {headers: {Accept: "image/svg+xml"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) { if (text) fig.innerHTML = text; })
      .catch(function () {})
      .then(function () { timelineBusy = false; });
  }

  function onStates(data) {
    Object.keys(data.changes || {}).forEach(function (id) { setState(id, data.changes[id]); });
    Object.keys(data.counts || {}).forEach(function (state) {
      each('[data-count="' + state + '"]', function (el) { el.textContent = data.counts[state]; });
    });
    each("[data-count]", function (el) { if (!(el.dataset.count in (data.counts || {}))) el.textContent = "0"; });
    var pill = document.getElementById("attention-count");
    if (pill && data.attention !== undefined) pill.textContent = data.attention;
    if (meta) meta.content = data.version;
  }

  function onRun(data) {
    var e = data.event || {};
    if (e.event === "spec_start") startClock(e.id, e.t, data.title);
    if (e.event === "spec_end") stopClock(e.id);
    if (e.event === "spec_start" || e.event === "spec_end" || e.event === "run_finished") refreshTimeline();
  }

  function onLog(data) {
    each('pre[data-log-of="' + attr(data.id) + '"]', function (pre) {
      var lines = (pre.textContent ? pre.textContent.split("\n") : []).concat(data.lines);
      pre.textContent = lines.slice(-200).join("\n");
      pre.scrollTop = pre.scrollHeight;
    });
  }

  function handler(fn) {
    return function (message) {
      var data = JSON.parse(message.data);
      if (data.now) offset = data.now - Date.now() / 1000;
      fn(data);
    };
  }

  each("[data-since]", function (el) { running[el.dataset.elapsedOf] = parseFloat(el.dataset.since); });
  var source = new EventSource("/events?v=" + encodeURIComponent(meta ? meta.content : ""));
  source.addEventListener("hello", handler(function (data) {
    if (conn) { conn.textContent = "● live"; conn.className = "conn on"; }
    (data.running || []).forEach(function (r) { startClock(r.id, r.since, r.title); });
    if (data.changes) onStates(data);
  }));
  source.addEventListener("states", handler(onStates));
  source.addEventListener("run", handler(onRun));
  source.addEventListener("log", handler(onLog));
  source.onerror = function () { if (conn) { conn.textContent = "○ reconnecting"; conn.className = "conn"; } };
  setInterval(function () { tick(); if (Object.keys(running).length) refreshTimeline(); }, 1000);
  tick();
})();
