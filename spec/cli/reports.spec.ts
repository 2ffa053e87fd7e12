/**
 * Reports rendered from one exploration: the JSON report (schema v1) with per-step mailboxes
 * and locks, the text report, the Mermaid diagram and JUnit XML; and model text that is markup
 * (spec/cli/fixtures/hostile.ts) escaped in every format.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, runStrategy } from '../../runtime/index.js';
import { validateReport } from '../../cli/reports/schema.js';
import { makeReport, runReport, type Report, type RunReport } from '../../cli/reports/report.js';
import { escapeHtml, escapeXml, jsonForScript } from '../../cli/reports/escape.js';
import { escapeMermaid, mermaidDiagram } from '../../cli/reports/mermaid.js';
import { junitXml } from '../../cli/reports/junit.js';
import { reportText } from '../../cli/reports/write.js';
import { viewerHtml } from '../../cli/viewer/html.js';
import twoCpuLock from '../../examples/twoCpuLock.js';
import hostile, { EVIL } from './fixtures/hostile.js';
import { catalogue } from './fixtures/catalogue.js';

function fileRun(system: typeof twoCpuLock, key: string): RunReport {
  return runReport({ origin: { kind: 'file', key, file: key }, system, strategy: 'bfs', result: explore(system), timeMs: 1 });
}

describe('the JSON report', () => {
  const run = fileRun(twoCpuLock, 'examples/twoCpuLock.ts');
  const [v] = run.violations;

  it('should carry the verdict, the stats and the violation with its token and replay command', () => {
    expect(run).toMatchObject({ key: 'examples/twoCpuLock.ts', origin: 'file', scenario: null, expected: null, asExpected: null, verdict: 'violation', strategy: 'bfs' });
    expect(v).toMatchObject({ kind: 'deadlock', actor: null, length: 8, replay: `npx interleave replay examples/twoCpuLock.ts@${v?.token}` });
    expect(v?.deadlock?.cycle).toEqual(['cpu0', 'cpu1', 'cpu0']);
    expect(makeReport('explore x', [run], 1)).toMatchObject({ schemaVersion: 1, tool: { name: 'interleave' }, command: 'explore x', summary: { runs: 1, violations: 1, exitCode: 1 } });
  });

  it('should carry per-step states, sends, mailboxes and locks that agree with replay', () => {
    const steps = v!.trace.steps;
    expect(steps).toHaveLength(9);
    const replayed = replay(twoCpuLock, v!.token).trace;
    expect(steps.slice(1).map((s) => s.states)).toEqual(replayed.steps.map((s) => s.states));
    expect(v!.trace.actors).toEqual([
      { name: 'cpu0', daemon: false },
      { name: 'cpu1', daemon: false },
      { name: 'domain', daemon: true },
    ]);
    // Step 0: both CPUs have their `start` from the environment; every lock is free.
    expect(steps[0]?.mailboxes.map((box) => box.map((m) => `${m.text} from ${m.from}`))).toEqual([['start from (env)'], ['start from (env)'], []]);
    expect(steps[0]?.resources).toEqual([
      { name: 'd.lock', heldBy: [], waiting: [], guardedBy: 'domain' },
      { name: 'vgic.lock', heldBy: [], waiting: [], guardedBy: 'domain' },
    ]);
    // Step 1: cpu0 took `run` and sent its acquire, now waiting in the domain's mailbox.
    expect(steps[1]).toMatchObject({ actor: 'cpu0', disposition: 'handled', sends: [{ to: 'domain', message: { type: 'spin.acquire', text: 'spin.acquire(lock=d.lock)' } }] });
    expect(steps[1]?.mailboxes[2]?.map((m) => m.text)).toEqual(['spin.acquire(lock=d.lock)']);
    // The end: each CPU holds one lock and queues for the other.
    expect(steps[8]?.resources.map((r) => [r.name, r.heldBy, r.waiting])).toEqual([
      ['d.lock', ['cpu0'], ['cpu1']],
      ['vgic.lock', ['cpu1'], ['cpu0']],
    ]);
    expect(v!.trace.findings.map((f) => f.kind)).toEqual(['deadlock']);
  });

  it('should survive a JSON round trip unchanged (plain data only)', () => {
    const report = makeReport('explore', [run], 1);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('should judge catalogue entries against their expectation', () => {
    const runs = catalogue.map((entry) => {
      const system = entry.build();
      return runReport({ origin: { kind: 'entry', key: entry.key, entry }, system, strategy: 'bfs', result: explore(system), timeMs: 2 });
    });
    expect(runs.map((r) => [r.key, r.verdict, r.asExpected])).toEqual([
      ['DP/buggy/3', 'violation', true],
      ['DP/fixed/3', 'verified', true],
    ]);
  });
});

describe('the schema the viewer reads (cli/reports/schema.ts, after cli/SCHEMA.md)', () => {
  it('should accept every kind of report the command line writes', () => {
    const runs = [
      fileRun(twoCpuLock, 'examples/twoCpuLock.ts'),
      fileRun(hostile, 'hostile.ts'),
      runReport({ origin: { kind: 'file', key: 'b.ts', file: 'b.ts' }, system: twoCpuLock, strategy: 'bfs', result: explore(twoCpuLock, { maxStates: 3 }), timeMs: 1 }),
      runReport({ origin: { kind: 'file', key: 'p.ts', file: 'p.ts' }, system: twoCpuLock, strategy: 'pct', seed: 3, result: runStrategy('pct', twoCpuLock, { seed: 3, runs: 20 }), timeMs: 1 }),
      ...catalogue.map((entry) => {
        const system = entry.build();
        return runReport({ origin: { kind: 'entry', key: entry.key, entry }, system, strategy: 'bfs', result: explore(system), timeMs: 2 });
      }),
    ];
    const report = JSON.parse(JSON.stringify(makeReport('explore', runs, 1))) as unknown;
    expect(validateReport(report).problem).toBeUndefined();
    expect(validateReport(JSON.parse(JSON.stringify(makeReport('run', [], 0)))).problem).toBeUndefined();
  });

  it('should name the first bad field by its path', () => {
    const report = JSON.parse(JSON.stringify(makeReport('explore', [fileRun(twoCpuLock, 'm.ts')], 1))) as { runs: Array<{ violations: Array<{ trace: { steps: Array<{ states: unknown }> } }> }> };
    (report.runs[0]!.violations[0]!.trace.steps[2] as { states: unknown }).states = [1];
    expect(validateReport(report).problem).toBe('runs[0].violations[0].trace.steps[2].states[0] must be a string, got the number 1, as cli/SCHEMA.md defines it');
  });
});

describe('the text report', () => {
  it('should give the sentence, the who-waits-for-what table, the locks, the trace and the replay command, in that order', () => {
    const text = reportText(makeReport('explore', [fileRun(twoCpuLock, 'm.ts')], 1));
    const order = ['m.ts: violation: deadlock', "deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)", 'blocked actor  state', 'wait-for cycle: cpu0 -> cpu1 -> cpu0', 'lock       owner actor  held by  waiting (ticket order)', 'counterexample: 8 steps', 'legend:', 'replay: npx interleave replay m.ts@il2_'];
    const at = order.map((s) => text.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toMatch(/^cpu0 +task\.spin_lock\(vgic\.lock\) +vgic\.lock +cpu1 \(guarded by domain\) +-$/m);
    expect(text).toMatch(/^d\.lock +domain +cpu0 +cpu1$/m);
    expect(text).toContain('   8 | task.spin_lock(vgic.lock)  | task.spin_lock(d.lock)     | *d.lock:cpu0 [cpu1] vgic.lock:cpu1 [cpu0]');
  });
});

describe("a checker's multi-line report (lockdep's chain and CPU0/CPU1 table)", () => {
  const REPORT = ['possible unsafe locking scenario:', '', '       CPU0                    CPU1', '       ----                    ----', '  lock(d.lock);', '                               lock(vgic.lock);'].join('\n');
  // A stand-in for lockdep: flags the first grant of vgic.lock, with a report.
  const withChecker = {
    ...twoCpuLock,
    checkers: [
      () => ({
        name: 'fake-lockdep',
        onTransition: (e: { message: { type: string; lock?: unknown } }) =>
          e.message.type === 'spin.granted' && e.message.lock === 'vgic.lock' ? [{ kind: 'lock-order' as const, message: 'lock-order: vgic.lock taken after d.lock and before it', report: REPORT }] : [],
      }),
    ],
  };

  it('should carry the report in JSON and print it after the sentence, before the trace', () => {
    const run = fileRun(withChecker, 'lockdep.ts');
    const v = run.violations.find((x) => x.kind === 'lock-order');
    expect(v?.report).toBe(REPORT);
    const text = reportText(makeReport('explore', [run], 1));
    const sentence = text.indexOf('lock-order: vgic.lock taken after d.lock and before it');
    expect(sentence).toBeGreaterThan(0);
    expect(text.indexOf(REPORT)).toBeGreaterThan(sentence);
    expect(text.indexOf('counterexample:', sentence)).toBeGreaterThan(text.indexOf(REPORT));
    expect(text).not.toContain('lock-order: lock-order:');
  });
});

describe('the Mermaid diagram', () => {
  it('should have a participant per actor, an arrow per send and the violation as a note', () => {
    const [v] = fileRun(twoCpuLock, 'm.ts').violations;
    const diagram = mermaidDiagram(v!);
    const lines = diagram.split('\n');
    expect(lines.slice(0, 5)).toEqual(['sequenceDiagram', '  participant env as (env)', '  participant a0 as cpu0', '  participant a1 as cpu1', '  participant a2 as domain']);
    const sends = v!.trace.steps.reduce((n, s) => n + s.sends.length, 0);
    const initial = v!.trace.steps[0]!.mailboxes.flat().length;
    expect(lines.filter((l) => l.includes('->>'))).toHaveLength(sends + initial);
    expect(lines).toContain('  a0->>a2: 1. spin.acquire(lock=d.lock)');
    expect(lines).toContain('  a2->>a0: 3. spin.granted(lock=d.lock)');
    expect(lines.at(-1)).toMatch(/^ {2}Note over a0,a2: deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock/);
  });

  it("should write the characters Mermaid's grammar reads as entity codes", () => {
    expect(escapeMermaid('a;b#c<d>&e\nf')).toBe('a#59;b#35;c#lt;d#gt;#amp;e f');
  });
});

describe('escaping model text', () => {
  const run = fileRun(hostile as typeof twoCpuLock, 'hostile.ts');
  const report: Report = makeReport('explore hostile.ts', [run], 1);

  it('should find the hostile model deadlock (so the markup does reach every report)', () => {
    expect(run.violations[0]?.kind).toBe('deadlock');
    expect(run.violations[0]?.message).toContain(EVIL);
  });

  it('should escape XML and HTML special characters', () => {
    expect(escapeXml(`<a href="x">&'\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\u0001');
    expect(escapeHtml(`<b a='1'>&"`)).toBe('&lt;b a=&#39;1&#39;&gt;&amp;&quot;');
    expect(jsonForScript({ s: '</script><!--\u2028' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('should keep JUnit XML free of raw markup from the model', () => {
    const xml = junitXml(report);
    expect(xml).not.toContain('<img');
    expect(xml).not.toContain('</script>');
    expect(xml).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
    // Every element that opens closes: a crude well-formedness check without an XML parser.
    const tags = [...xml.matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)].filter((m) => m[3] !== '/');
    const stack: string[] = [];
    for (const [, close, name] of tags) {
      if (close) expect(stack.pop()).toBe(name);
      else stack.push(name as string);
    }
    expect(stack).toEqual([]);
  });

  it('should keep the viewer page free of raw markup from the model', () => {
    const html = viewerHtml(report);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('window.__pwned=2</script>');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain('<title>interleave: hostile.ts</title>');
  });

  it('should keep Mermaid lines one per statement', () => {
    const diagram = mermaidDiagram(run.violations[0]!);
    expect(diagram.replace(/#(?:[0-9]+|[a-z]+);/g, '').replace(/->>/g, '')).not.toMatch(/[<>;#&]/);
    expect(diagram.split('\n').every((l) => l === 'sequenceDiagram' || /^ {2}(participant |Note over |[a-z0-9]+->>)/.test(l))).toBe(true);
  });
});
