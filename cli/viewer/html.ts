/**
 * The trace viewer: one standalone HTML file (inline CSS and JS, no server, no network; a
 * Content-Security-Policy forbids every fetch) that steps through a report's counterexamples.
 *
 * - a column per actor, a row per step; the row of the current step is highlighted, later rows
 *   dimmed, the rows where the violation shows marked red, and the actor that stepped starred;
 * - buttons and keys (Left/Right or k/j, Home, End) move through the steps;
 * - beside the trace: lock ownership and every mailbox's contents at the current step;
 * - above it: the violation (sentence, who-waits-for-what, lockdep report) and the replay command.
 *
 * All model text reaches the page as JSON inside a `<script type="application/json">` (with
 * `<` escaped, so it cannot close the element) and is put into the page with `textContent`,
 * never as markup.
 */
import { escapeHtml, jsonForScript } from '../reports/escape.js';
import type { Report } from '../reports/report.js';

export function viewerHtml(report: Report): string {
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
  <button id="first" title="first step (Home)">|&lt; first</button>
  <button id="prev" title="previous step (Left, k)">&#x25C0; prev</button>
  <span id="pos" aria-live="polite"></span>
  <button id="next" title="next step (Right, j)">next &#x25B6;</button>
  <button id="last" title="last step (End)">last &gt;|</button>
  <span class="keys">keys: &larr; &rarr; Home End</span>
</nav>
<section id="violation" class="violation" hidden></section>
<p id="empty" hidden></p>
<main id="main">
  <div class="scroll"><table id="trace"><thead></thead><tbody></tbody></table></div>
  <aside>
    <h2>Locks at step <span id="at-locks"></span></h2>
    <table id="locks"><thead><tr><th>lock</th><th>owner actor</th><th>held by</th><th>waiting</th></tr></thead><tbody></tbody></table>
    <h2>Mailboxes at step <span id="at-mail"></span></h2>
    <table id="mailboxes"><thead><tr><th>actor</th><th>pending messages (oldest first)</th></tr></thead><tbody></tbody></table>
  </aside>
</main>
<footer>${escapeHtml(LEGEND)}</footer>
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const LEGEND =
  "One row per step; each actor column shows that actor's state after the step (its label, e.g. lock ownership, when it has one). " +
  "'*' and bold mark the actor that took a message; red rows show a violation; rows after the current step are dimmed.";

const CSS = `
[hidden] { display: none !important; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
header { padding: 10px 16px; background: #24292f; color: #fff; }
header h1 { font-size: 18px; margin: 0 0 4px; }
header .meta { font-size: 12px; opacity: .8; }
nav { display: flex; gap: 8px; align-items: center; padding: 8px 16px; background: #eaeef2; position: sticky; top: 0; flex-wrap: wrap; }
nav button { font: inherit; padding: 2px 10px; }
nav #pos { min-width: 110px; text-align: center; font-weight: 600; }
nav .keys { color: #57606a; font-size: 12px; }
.violation { margin: 10px 16px; padding: 8px 12px; border-left: 5px solid #cf222e; background: #ffebe9; }
.violation h2 { margin: 0 0 4px; font-size: 15px; color: #a40e26; }
.violation pre, .violation table { font-size: 12px; }
.violation code { background: #fff; padding: 1px 4px; }
main { display: flex; gap: 16px; padding: 0 16px 16px; align-items: flex-start; }
.scroll { overflow-x: auto; flex: 1 1 auto; }
aside { flex: 0 0 340px; }
aside h2 { font-size: 14px; margin: 10px 0 4px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
th { background: #f0f3f6; position: sticky; top: 0; }
#trace tr { cursor: pointer; }
#trace tr.future { opacity: .35; }
#trace tr.current { background: #fff8c5; outline: 2px solid #d4a72c; }
#trace tr.violation td { background: #ffebe9; }
#trace tr.violation.current td { background: #ffcecb; }
#trace td.stepped { font-weight: 700; }
#trace td.changed { background: #dafbe1; }
#mailboxes td.empty, #locks td.empty { color: #8c959f; }
footer { padding: 8px 16px 24px; color: #57606a; font-size: 12px; }
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
  var el = function (id) { return document.getElementById(id); };
  var make = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
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
  function km(kind, message) { return message.indexOf(kind + ':') === 0 ? message : kind + ': ' + message; }
  function msgText(m) { return m.text + (m.from ? ' from ' + m.from : ''); }
  function renderViolation(c) {
    var box = el('violation');
    box.textContent = '';
    box.hidden = false;
    box.appendChild(make('h2', c.v.kind + ' violation in ' + c.run.key));
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
    var thead = el('trace').tHead;
    thead.textContent = '';
    var hr = make('tr');
    hr.appendChild(make('th', 'step'));
    t.actors.forEach(function (a) { hr.appendChild(make('th', a.name + (a.daemon ? ' (daemon)' : ''))); });
    hr.appendChild(make('th', 'message'));
    thead.appendChild(hr);
    var tbody = el('trace').tBodies[0];
    tbody.textContent = '';
    t.steps.forEach(function (s, i) {
      var tr = make('tr');
      tr.setAttribute('data-step', String(s.index));
      var bad = s.findings.length > 0 || (i === t.steps.length - 1 && t.findings.length > 0);
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
  function go(i) {
    var n = current.v.trace.steps.length;
    at = Math.max(0, Math.min(n - 1, i));
    var rows = el('trace').tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) {
      rows[r].classList.toggle('current', r === at);
      rows[r].classList.toggle('future', r > at);
    }
    el('pos').textContent = 'step ' + at + ' of ' + (n - 1);
    el('first').disabled = el('prev').disabled = at === 0;
    el('next').disabled = el('last').disabled = at === n - 1;
    renderSide();
    if (rows[at] && rows[at].scrollIntoView) rows[at].scrollIntoView({ block: 'nearest' });
  }
  function select(i) {
    current = cases[i];
    renderViolation(current);
    renderTrace(current);
    go(0);
  }
  pick.addEventListener('change', function () { select(Number(pick.value)); });
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
    else return;
    e.preventDefault();
  });
  select(0);
})();
`;
