/**
 * The trace viewer: one standalone HTML file (inline CSS and JS, no server, no network; a
 * Content-Security-Policy forbids every fetch) that steps through a report's counterexamples.
 *
 * - the trace table: a column per actor, a row per step; the row of the current step is
 *   highlighted, later rows dimmed, the rows where the violation shows marked red, and the actor
 *   that stepped starred;
 * - the message sequence chart (as SPIN's MSC; drawn inline as SVG): a lifeline per actor, an
 *   arrow per message from the step that sent it to the step that took it (messages never taken
 *   end in an open circle below the last step), the rows of the violation in red, and the
 *   actors blocked in a deadlock crossed at the end;
 * - buttons and keys (Left/Right or k/j, Home, End; v switches table and chart) move through
 *   the steps;
 * - beside the trace: lock ownership and every mailbox's contents at the current step;
 * - above it: the violation (sentence, who-waits-for-what, lockdep report) and the replay command.
 *
 * Long traces fit one screen: the page is a column of fixed bars (title, controls, violation, at
 * most a third of the height and scrolling on its own) over two panes that scroll on their own,
 * the trace (its header row sticky) and the locks and mailboxes; the trace table lays out to the
 * pane's width, so the message column is never cut off (more actors than fit scroll sideways,
 * the step column staying put).
 *
 * All model text reaches the page as JSON inside a `<script type="application/json">` (with
 * `<` escaped, so it cannot close the element) and is put into the page with `textContent`,
 * never as markup. Control and bidi characters in it are shown as `\uXXXX` (escapeControlDeep).
 */
import { escapeControlDeep, escapeHtml, jsonForScript } from '../reports/escape.js';
import type { Report } from '../reports/report.js';

export function viewerHtml(input: Report): string {
  const report = escapeControlDeep(input);
  const title = report.runs.length === 1 ? `interleave: ${report.runs[0]?.key ?? ''}` : `interleave: ${report.command}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <div class="meta">interleave ${escapeHtml(report.tool.version)} &middot; <code>${escapeHtml(report.command)}</code></div>
</header>
<nav id="controls">
  <label>counterexample <select id="pick" aria-label="counterexample"></select></label>
  <span class="views" role="group" aria-label="view">
    <button id="view-table" aria-pressed="true" title="the trace as a table (v)">table</button>
    <button id="view-chart" aria-pressed="false" title="the trace as a message sequence chart (v)">sequence chart</button>
  </span>
  <button id="first" title="first step (Home)">|&lt; first</button>
  <button id="prev" title="previous step (Left, k)">&#x25C0; prev</button>
  <span id="pos" aria-live="polite"></span>
  <button id="next" title="next step (Right, j)">next &#x25B6;</button>
  <button id="last" title="last step (End)">last &gt;|</button>
  <span class="keys">keys: &larr; &rarr; Home End, v</span>
</nav>
<details id="violation" class="violation" open hidden></details>
<p id="empty" hidden></p>
<main id="main">
  <div id="table-pane" class="pane"><table id="trace"><colgroup></colgroup><thead></thead><tbody></tbody></table></div>
  <div id="chart-pane" class="pane" hidden><div id="msc-names"></div><div id="msc"><svg id="svg-ns" width="0" height="0"></svg></div></div>
  <aside id="side">
    <h2>Locks at step <span id="at-locks"></span></h2>
    <table id="locks"><thead><tr><th>lock</th><th>owner actor</th><th>held by</th><th>waiting</th></tr></thead><tbody></tbody></table>
    <h2>Mailboxes at step <span id="at-mail"></span></h2>
    <table id="mailboxes"><thead><tr><th>actor</th><th>pending messages (oldest first)</th></tr></thead><tbody></tbody></table>
    <footer>${escapeHtml(LEGEND)}</footer>
  </aside>
</main>
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const LEGEND =
  "Table: one row per step; each actor column shows that actor's state after the step (its label, e.g. lock ownership, when it has one); " +
  "'*' and bold mark the actor that took a message; red rows show a violation; rows after the current step are dimmed. " +
  'Chart: a lifeline per actor, an arrow per message from the step that sent it to the step that took it; an open circle marks a message never taken.';

const CSS = `
[hidden] { display: none !important; }
html, body { height: 100%; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; display: flex; flex-direction: column; overflow: hidden; }
header { flex: none; padding: 6px 16px; background: #24292f; color: #fff; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
header .meta { font-size: 12px; opacity: .8; }
nav { flex: none; display: flex; gap: 8px; align-items: center; padding: 6px 16px; background: #eaeef2; flex-wrap: wrap; }
nav button { font: inherit; padding: 2px 10px; }
nav .views button[aria-pressed="true"] { background: #24292f; color: #fff; }
nav #pos { min-width: 110px; text-align: center; font-weight: 600; }
nav .keys { color: #57606a; font-size: 12px; }
.violation { flex: none; max-height: 26vh; overflow: auto; margin: 8px 16px 0; padding: 6px 12px; border-left: 5px solid #cf222e; background: #ffebe9; }
.violation summary { cursor: pointer; }
.violation h2 { display: inline; margin: 0; font-size: 15px; color: #a40e26; }
.violation p { margin: 6px 0; }
.violation pre, .violation table { font-size: 12px; }
.violation code { background: #fff; padding: 1px 4px; overflow-wrap: anywhere; }
main { flex: 1 1 auto; min-height: 0; display: flex; gap: 12px; padding: 8px 16px 8px; }
.pane { flex: 1 1 auto; min-width: 0; overflow: auto; border: 1px solid #d0d7de; background: #fff; }
aside { flex: 0 0 280px; overflow: auto; }
aside h2 { font-size: 14px; margin: 0 0 4px; }
aside table + h2 { margin-top: 10px; }
aside footer { margin-top: 12px; color: #57606a; font-size: 11px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 2px 4px; text-align: left; vertical-align: top; font-family: ui-monospace, monospace; font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere; }
th { background: #f0f3f6; }
aside table { width: 100%; }
aside th { overflow-wrap: normal; }
#mailboxes td:first-child, #locks td:first-child { white-space: nowrap; }
#trace { table-layout: fixed; width: 100%; }
#trace thead th { position: sticky; top: 0; z-index: 2; box-shadow: 0 1px 0 #d0d7de; }
#trace th:first-child, #trace td:first-child { position: sticky; left: 0; z-index: 1; background: #f6f8fa; }
#trace thead th:first-child { z-index: 3; }
#trace tr { cursor: pointer; }
#trace tr.future { opacity: .35; }
#trace tr.current td { background: #fff8c5; }
#trace tr.current { outline: 2px solid #d4a72c; outline-offset: -2px; }
#trace tr.violation td { background: #ffebe9; }
#trace tr.violation.current td { background: #ffcecb; }
#trace td.stepped { font-weight: 700; }
#trace td.changed { background: #dafbe1; }
#mailboxes td.empty, #locks td.empty { color: #8c959f; }
#msc-names { position: sticky; top: 0; z-index: 2; background: #f0f3f6; border-bottom: 1px solid #d0d7de; }
#msc-names svg, #msc svg { display: block; }
#msc text, #msc-names text { font-family: ui-monospace, monospace; font-size: 11px; fill: #1d1d1f; }
#msc .lifeline { stroke: #8c959f; stroke-dasharray: 4 3; }
#msc .band { fill: transparent; cursor: pointer; }
#msc .band.current { fill: #fff8c5; }
#msc .band.violation { fill: #ffebe9; }
#msc .band.violation.current { fill: #ffcecb; }
#msc .stepno { fill: #57606a; }
#msc .bad { fill: #a40e26; font-weight: 700; }
#msc .msg line, #msc .msg path { stroke: #0969da; stroke-width: 1.4; fill: none; }
#msc .msg text { fill: #0550ae; font-size: 10px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
#msc .msg.pending line { stroke-dasharray: 5 3; }
#msc .msg.pending circle { fill: #fff; stroke: #0969da; }
#msc .msg.future { opacity: .3; }
#msc .arrowhead { fill: #0969da; }
#msc .blocked { stroke: #cf222e; stroke-width: 2.5; }
#msc .event { fill: #0969da; }
`;

// Plain ES2017 that runs in any browser; reads the report from #report-data.
const SCRIPT = `
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var cases = [];
  report.runs.forEach(function (run) {
    run.violations.forEach(function (v, i) { cases.push({ run: run, v: v, label: run.key + ': ' + v.kind + (run.violations.length > 1 ? ' #' + (i + 1) : '') }); });
  });
  // The SVG namespace, from an <svg> the HTML parser made (the page holds no URL at all).
  var SVG = document.getElementById('svg-ns').namespaceURI;
  var el = function (id) { return document.getElementById(id); };
  var make = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  var svg = function (tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  var pick = el('pick');
  if (cases.length === 0) {
    el('controls').hidden = true;
    el('main').hidden = true;
    var empty = el('empty');
    empty.hidden = false;
    empty.textContent = 'No counterexample: ' + report.runs.map(function (r) { return r.key + ' ' + r.verdict; }).join('; ') + '.';
    return;
  }
  cases.forEach(function (c, i) { var o = make('option', c.label); o.value = String(i); pick.appendChild(o); });
  var current = null;
  var at = 0;
  var view = 'table';
  var chart = null;
  function km(kind, message) { return message.indexOf(kind + ':') === 0 ? message : kind + ': ' + message; }
  function sender(m) { return m.from || '(env)'; }
  function msgText(m) { return m.text + (m.from ? ' from ' + m.from : ''); }
  function isBad(t, i) { return t.steps[i].findings.length > 0 || (i === t.steps.length - 1 && t.findings.length > 0); }
  function renderViolation(c) {
    var box = el('violation');
    box.textContent = '';
    box.hidden = false;
    box.open = true;
    var summary = make('summary');
    summary.appendChild(make('h2', c.v.kind + ' violation in ' + c.run.key));
    box.appendChild(summary);
    box.appendChild(make('p', c.v.message, 'sentence'));
    var d = c.v.deadlock;
    if (d) {
      var t = make('table');
      var head = make('tr');
      ['blocked actor', 'state', 'waits for', 'held by', 'deferred'].forEach(function (h) { head.appendChild(make('th', h)); });
      t.appendChild(head);
      d.blocked.forEach(function (b) {
        var tr = make('tr');
        [b.actor, b.state, b.waitsFor ? b.waitsFor.resource : (b.awaits.length ? 'one of ' + b.awaits.join(', ') : '(nothing)'),
         b.waitsFor ? (b.waitsFor.heldBy.join(', ') || '(nobody)') : '-', b.deferred.join(', ') || '-'].forEach(function (x) { tr.appendChild(make('td', x)); });
        t.appendChild(tr);
      });
      box.appendChild(t);
      if (d.cycle) box.appendChild(make('p', 'wait-for cycle: ' + d.cycle.join(' -> ')));
    }
    if (c.v.report) box.appendChild(make('pre', c.v.report));
    var p = make('p', 'replay: ');
    p.appendChild(make('code', c.v.replay));
    box.appendChild(p);
  }
  function renderTrace(c) {
    var t = c.v.trace;
    var table = el('trace');
    // Fixed layout to the pane's width: the message column takes a third; the actor columns share
    // the rest, down to a legible minimum, below which the pane scrolls sideways.
    var cols = table.querySelector('colgroup');
    cols.textContent = '';
    var col = make('col'); col.style.width = '3.2em'; cols.appendChild(col);
    t.actors.forEach(function () { cols.appendChild(make('col')); });
    col = make('col'); col.style.width = '28%'; cols.appendChild(col);
    table.style.minWidth = (46 + 72 * t.actors.length + 240) + 'px';
    var thead = table.tHead;
    thead.textContent = '';
    var hr = make('tr');
    hr.appendChild(make('th', 'step'));
    t.actors.forEach(function (a) { hr.appendChild(make('th', a.name + (a.daemon ? ' (daemon)' : ''))); });
    hr.appendChild(make('th', 'message'));
    thead.appendChild(hr);
    var tbody = table.tBodies[0];
    tbody.textContent = '';
    t.steps.forEach(function (s, i) {
      var tr = make('tr');
      tr.setAttribute('data-step', String(s.index));
      var bad = isBad(t, i);
      if (bad) tr.classList.add('violation');
      tr.appendChild(make('td', (bad ? '! ' : '') + s.index));
      var prev = i > 0 ? t.steps[i - 1].states : s.states;
      s.states.forEach(function (st, a) {
        var stepped = t.actors[a].name === s.actor;
        var td = make('td', (stepped ? '*' : '') + st);
        if (stepped) td.classList.add('stepped');
        if (st !== prev[a]) td.classList.add('changed');
        td.setAttribute('data-actor', t.actors[a].name);
        tr.appendChild(td);
      });
      var what = s.actor === null ? '(initial)' : s.actor + ' <- ' + msgText(s.message) + (s.disposition !== 'handled' ? ' (' + s.disposition + ')' : '');
      if (s.sends.length) what += '; sends ' + s.sends.map(function (x) { return x.message.text + ' to ' + x.to; }).join(', ');
      s.findings.forEach(function (f) { what += '\\n! ' + km(f.kind, f.message); });
      if (i === t.steps.length - 1) t.findings.forEach(function (f) { if (!s.findings.some(function (g) { return g.message === f.message; })) what += '\\n! ' + km(f.kind, f.message); });
      tr.appendChild(make('td', what, 'message'));
      tr.addEventListener('click', function () { go(i); });
      tbody.appendChild(tr);
    });
  }
  // Every message of the trace: sent at one step, taken at a later one (or never). A message in
  // a mailbox at step 0 was sent at step 0 by its sender (the environment for initial messages).
  // A taken message is matched to the oldest message its sender sent its taker with the same
  // text: such messages are indistinguishable, so any matching draws the same chart.
  function messagesOf(t) {
    var queues = {};
    var all = [];
    function put(from, to, m, step) {
      var key = from + '\\u0000' + to;
      var msg = { from: from, to: to, text: m.text, sent: step, taken: null };
      (queues[key] = queues[key] || []).push(msg);
      all.push(msg);
    }
    t.steps[0].mailboxes.forEach(function (box, a) { box.forEach(function (m) { put(sender(m), t.actors[a].name, m, 0); }); });
    t.steps.forEach(function (s, i) {
      if (i === 0) return;
      var key = sender(s.message) + '\\u0000' + s.actor;
      var q = queues[key] || [];
      var k = 0;
      while (k < q.length && q[k].text !== s.message.text) k++;
      if (k < q.length) q.splice(k, 1)[0].taken = i;
      else all.push({ from: sender(s.message), to: s.actor, text: s.message.text, sent: i, taken: i, unmatched: true });
      s.sends.forEach(function (x) { put(s.actor, x.to, x.message, i); });
    });
    return all;
  }
  function renderChart(c) {
    var t = c.v.trace;
    var msgs = messagesOf(t);
    var names = t.actors.map(function (a) { return a.name; });
    if (msgs.some(function (m) { return m.from === '(env)'; })) names.unshift('(env)');
    // Lifelines share the pane's width (the chart scrolls sideways only past 84 px a lifeline).
    var LEFT = 44, ROW = 30, TOP = 18;
    var room = el('main').clientWidth - el('side').getBoundingClientRect().width - 40;
    var COL = Math.max(84, Math.min(160, Math.floor((room - LEFT - 24) / names.length)));
    var n = t.steps.length;
    var width = LEFT + COL * names.length + 24;
    var yEnd = TOP + n * ROW + 10;
    var height = yEnd + 24;
    var x = function (name) { return LEFT + COL * names.indexOf(name) + COL / 2; };
    var y = function (i) { return TOP + i * ROW; };
    var fit = Math.max(12, Math.floor((COL * 2.6) / 6.2));
    var short = function (text, max) { max = max || fit; return text.length > max ? text.slice(0, max - 1) + '\u2026' : text; };
    var head = svg('svg', { width: width, height: 36, role: 'presentation' });
    names.forEach(function (name) {
      var label = svg('text', { x: x(name), y: 22, 'text-anchor': 'middle', 'data-lifeline': name }, short(name, Math.floor(COL / 7)));
      label.appendChild(svg('title', {}, name));
      head.appendChild(label);
    });
    var names$ = el('msc-names');
    names$.textContent = '';
    names$.appendChild(head);
    var root = svg('svg', { width: width, height: height, id: 'msc-svg', role: 'img', 'aria-label': 'message sequence chart of ' + c.run.key });
    var defs = svg('defs');
    var marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
    defs.appendChild(marker);
    root.appendChild(defs);
    var bands = [];
    t.steps.forEach(function (s, i) {
      var band = svg('rect', { x: 0, y: y(i) - ROW / 2, width: width, height: ROW, class: 'band' + (isBad(t, i) ? ' violation' : ''), 'data-step': s.index });
      band.addEventListener('click', function () { go(i); });
      root.appendChild(band);
      bands.push(band);
      var label = svg('text', { x: 6, y: y(i) + 4, class: isBad(t, i) ? 'stepno bad' : 'stepno' }, (isBad(t, i) ? '! ' : '') + s.index);
      var why = s.findings.concat(i === n - 1 ? t.findings : []).map(function (f) { return km(f.kind, f.message); });
      if (why.length) label.appendChild(svg('title', {}, why.join('\\n')));
      root.appendChild(label);
    });
    names.forEach(function (name) { root.appendChild(svg('line', { x1: x(name), y1: y(0) - ROW / 2, x2: x(name), y2: yEnd, class: 'lifeline' })); });
    var drawn = [];
    msgs.forEach(function (m) {
      var g = svg('g', { class: 'msg' + (m.taken === null ? ' pending' : ''), 'data-from': m.from, 'data-to': m.to, 'data-sent': m.sent, 'data-taken': m.taken === null ? 'never' : m.taken });
      g.appendChild(svg('title', {}, m.text + ': ' + m.from + ' -> ' + m.to + ', sent at step ' + m.sent + (m.taken === null ? ', never taken' : ', taken at step ' + m.taken)));
      var x1 = x(m.from), x2 = x(m.to), y1 = y(m.sent), y2 = m.taken === null ? yEnd : y(m.taken);
      if (m.from === m.to) {
        g.appendChild(svg('path', { d: 'M ' + x1 + ' ' + y1 + ' h 22 V ' + y2 + ' h -20', 'marker-end': m.taken === null ? '' : 'url(#arrow)' }));
      } else {
        var line = svg('line', { x1: x1, y1: y1, x2: x2, y2: y2 });
        if (m.taken !== null) line.setAttribute('marker-end', 'url(#arrow)');
        g.appendChild(line);
      }
      if (m.taken === null) g.appendChild(svg('circle', { cx: m.from === m.to ? x2 + 2 : x2, cy: y2, r: 4 }));
      g.appendChild(svg('circle', { cx: x1, cy: y1, r: 2, class: 'event' }));
      // The label sits where the message arrives: one message arrives per step, so labels of
      // taken messages never share a row. A message never taken is labelled where it was sent.
      var fromLeft = x1 <= x2;
      var label = m.taken === null
        ? svg('text', { x: x1 + (fromLeft ? 6 : -6), y: y1 - 4, 'text-anchor': fromLeft ? 'start' : 'end' }, short(m.text))
        : svg('text', { x: m.from === m.to ? x2 + 26 : x2 + (fromLeft ? -10 : 10), y: y2 - 5, 'text-anchor': m.from === m.to || !fromLeft ? 'start' : 'end' }, short(m.text));
      g.appendChild(label);
      root.appendChild(g);
      drawn.push({ g: g, m: m });
    });
    var d = c.v.deadlock;
    if (d && d.blocked) {
      d.blocked.forEach(function (b) {
        if (names.indexOf(b.actor) < 0) return;
        var bx = x(b.actor), by = y(n - 1) + 12;
        var cross = svg('path', { d: 'M ' + (bx - 6) + ' ' + (by - 6) + ' l 12 12 m 0 -12 l -12 12', class: 'blocked', 'data-blocked': b.actor });
        cross.appendChild(svg('title', {}, b.actor + ' blocked' + (b.waitsFor ? ': waits for ' + b.waitsFor.resource : '')));
        root.appendChild(cross);
      });
    }
    var msc = el('msc');
    msc.textContent = '';
    msc.appendChild(root);
    chart = { bands: bands, drawn: drawn };
  }
  function renderSide() {
    var t = current.v.trace;
    var s = t.steps[at];
    el('at-locks').textContent = String(s.index);
    el('at-mail').textContent = String(s.index);
    var locks = el('locks').tBodies[0];
    locks.textContent = '';
    if (s.resources.length === 0) { var r0 = make('tr'); var c0 = make('td', 'no actor reports locks', 'empty'); c0.colSpan = 4; r0.appendChild(c0); locks.appendChild(r0); }
    s.resources.forEach(function (r) {
      var tr = make('tr');
      tr.setAttribute('data-lock', r.name);
      [r.name, r.guardedBy, r.heldBy.join(', ') || 'free', r.waiting.join(', ') || '-'].forEach(function (x) { tr.appendChild(make('td', x)); });
      locks.appendChild(tr);
    });
    var boxes = el('mailboxes').tBodies[0];
    boxes.textContent = '';
    t.actors.forEach(function (a, i) {
      var tr = make('tr');
      tr.setAttribute('data-mailbox', a.name);
      tr.appendChild(make('td', a.name));
      var msgs = s.mailboxes[i];
      tr.appendChild(msgs.length ? make('td', msgs.map(msgText).join('\\n')) : make('td', '(empty)', 'empty'));
      boxes.appendChild(tr);
    });
  }
  // Scrolls a pane so that a box inside it is shown below the pane's sticky header.
  function reveal(pane, top, bottom, sticky) {
    var box = pane.getBoundingClientRect();
    if (top < box.top + sticky) pane.scrollTop -= box.top + sticky - top + 4;
    else if (bottom > box.bottom) pane.scrollTop += bottom - box.bottom + 4;
  }
  function go(i) {
    var n = current.v.trace.steps.length;
    at = Math.max(0, Math.min(n - 1, i));
    var rows = el('trace').tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) {
      rows[r].classList.toggle('current', r === at);
      rows[r].classList.toggle('future', r > at);
    }
    chart.bands.forEach(function (b, k) { b.classList.toggle('current', k === at); });
    chart.drawn.forEach(function (d) { d.g.classList.toggle('future', d.m.sent > at); });
    el('pos').textContent = 'step ' + at + ' of ' + (n - 1);
    el('first').disabled = el('prev').disabled = at === 0;
    el('next').disabled = el('last').disabled = at === n - 1;
    renderSide();
    if (view === 'table' && rows[at]) {
      var rb = rows[at].getBoundingClientRect();
      reveal(el('table-pane'), rb.top, rb.bottom, el('trace').tHead.getBoundingClientRect().height);
    } else if (view === 'chart' && chart.bands[at]) {
      var bb = chart.bands[at].getBoundingClientRect();
      reveal(el('chart-pane'), bb.top, bb.bottom, el('msc-names').getBoundingClientRect().height);
    }
  }
  function show(which) {
    view = which;
    el('table-pane').hidden = which !== 'table';
    el('chart-pane').hidden = which !== 'chart';
    if (which === 'chart') renderChart(current);
    el('view-table').setAttribute('aria-pressed', String(which === 'table'));
    el('view-chart').setAttribute('aria-pressed', String(which === 'chart'));
    go(at);
  }
  function select(i) {
    current = cases[i];
    renderViolation(current);
    renderTrace(current);
    renderChart(current);
    go(0);
  }
  pick.addEventListener('change', function () { select(Number(pick.value)); });
  el('view-table').addEventListener('click', function () { show('table'); });
  el('view-chart').addEventListener('click', function () { show('chart'); });
  el('first').addEventListener('click', function () { go(0); });
  el('prev').addEventListener('click', function () { go(at - 1); });
  el('next').addEventListener('click', function () { go(at + 1); });
  el('last').addEventListener('click', function () { go(Infinity); });
  document.addEventListener('keydown', function (e) {
    if (e.target && e.target.tagName === 'SELECT') return;
    if (e.key === 'ArrowRight' || e.key === 'j') go(at + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'k') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(Infinity);
    else if (e.key === 'v') show(view === 'table' ? 'chart' : 'table');
    else return;
    e.preventDefault();
  });
  select(0);
})();
`;
