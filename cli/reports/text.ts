/**
 * The text report of a violation, as the best tools print one (STYLE.md practice 7): the
 * sentence; then a table (for a deadlock, who waits for what and the locks; for a lock-order
 * or IRQ-safety finding, the checker's lockdep-style chain and CPU0/CPU1 scenario); then the
 * trace, one line per step and a column per actor; then the command that replays it.
 */
import { formatTrace } from '../../runtime/trace.js';
import type { Message } from '../../runtime/model.js';
import type { Trace } from '../../runtime/replay.js';
import type { DeadlockDetails } from '../../runtime/violations.js';
import { expectationSentence, kindAndMessage, type RunReport, type TraceReport, type ViolationReport } from './report.js';
import { escapeControlDeep } from './escape.js';
import { count, table } from './table.js';

/** Trace columns are clipped at this many characters: wide enough for a two-lock owner's label. */
export const TRACE_COLUMN_WIDTH = 48;

/** The who-waits-for-what table of a deadlock, and its locks. */
export function deadlockTable(d: DeadlockDetails): string {
  const rows = d.blocked.map((b) => [
    b.actor,
    b.state,
    b.waitsFor ? b.waitsFor.resource : b.awaits.length ? `one of ${b.awaits.join(', ')}` : '(nothing it can handle)',
    b.waitsFor ? (b.waitsFor.heldBy.join(', ') || '(nobody)') + ` (guarded by ${b.waitsFor.guardedBy})` : '-',
    b.deferred.length ? b.deferred.join(', ') : '-',
  ]);
  const out = [table(['blocked actor', 'state', 'waits for', 'held by', 'deferred in mailbox'], rows)];
  if (d.cycle) out.push(`wait-for cycle: ${d.cycle.join(' -> ')}`);
  if (d.resources.length) {
    out.push('');
    out.push(table(['lock', 'owner actor', 'held by', 'waiting (ticket order)'], d.resources.map((r) => [r.name, r.guardedBy, r.heldBy.join(', ') || '-', r.waiting.join(', ') || '-'])));
  }
  return out.join('\n');
}

/**
 * The full text report of one violation; the trace prints exactly as `replay` prints it.
 * `trace: false` (explore's `--no-trace`) leaves the step table out and keeps its length.
 */
export function violationText(v: ViolationReport, system: string, { trace = true }: { trace?: boolean } = {}): string {
  const out = [kindAndMessage(v.kind, v.message)];
  if (v.deadlock) out.push('', deadlockTable(v.deadlock));
  if (v.report) out.push('', v.report);
  if (v.evidenceExecutions > 0) {
    const n = v.evidenceExecutions;
    out.push('', `note: the finding rests on ${n} other explored execution${n === 1 ? '' : 's'}; the trace shows the one where it completed, and the replay token replays ${n === 1 ? 'that one' : 'those'} first.`);
  } else if (v.acrossExecutions) out.push('', 'note: the evidence spans several explored executions; the trace shows the one where it completed.');
  const shrunk = v.shrunkFrom === null ? '' : ` (shrunk from the ${v.shrunkFrom} steps the strategy found)`;
  if (trace) out.push('', `counterexample: ${v.length} steps${shrunk}`, formatTrace(escapeControlDeep(runtimeTrace(v.trace, system)), { maxColumnWidth: TRACE_COLUMN_WIDTH }));
  else out.push('', `counterexample: ${v.length} steps${shrunk} (--no-trace: the replay command prints them)`);
  out.push('', `replay: ${v.replay}`);
  return out.join('\n');
}

/** One line: what a run concluded. */
export function verdictLine(run: RunReport): string {
  const s = run.stats;
  const what =
    run.verdict === 'verified'
      ? 'verified: every reachable state explored, no violation'
      : run.verdict === 'violation'
        ? `violation: ${[...new Set(run.violations.map((v) => v.kind))].join(', ')}`
        : run.interrupted
          ? 'incomplete: interrupted (Ctrl-C) before the search ended; nothing is proven'
          : run.bound
            ? `incomplete: bound ${run.bound.name} = ${count(run.bound.limit)} tripped; nothing is proven`
            : `incomplete: no violation found${run.samples ? ` in ${count(run.samples.executed)} runs` : ''}; a non-exhaustive search proves nothing`;
  const expected = run.expected === null ? '' : `; expected ${expectationSentence(run.expected)}: ${run.asExpected ? 'as expected' : 'NOT as expected'}`;
  return `${run.key}: ${what} (${count(s.states)} states, ${count(s.transitions)} transitions, max depth ${s.maxDepthReached}, ${Math.round(run.timeMs)} ms, strategy ${run.strategy}${run.seed === null ? '' : `, seed ${run.seed}`}; ${judgedBy(run)})${expected}`;
}

/**
 * What judged the run, so that "verified" is not read as more than was checked: the engine's own
 * checks (deadlock; assertions, which take in invariants and unhandled messages) and the
 * checkers by name (`checkers: deadlock, assertions, lockdep`).
 */
export function judgedBy(run: Pick<RunReport, 'checkers'>): string {
  return `checkers: ${['deadlock', 'assertions', ...run.checkers].join(', ')}`;
}

/** The hint that goes with a tripped bound, and the strategy's note on what the verdict means. */
export function boundHint(run: RunReport): string | undefined {
  const lines = [];
  if (run.bound) lines.push(`bound ${run.bound.name} (${count(run.bound.limit)}) tripped: ${run.bound.hint}`);
  if (run.note) lines.push(`note: ${run.note}`);
  return lines.length ? lines.join('\n') : undefined;
}

/** A report's trace in the engine's shape, for `formatTrace`. */
export function runtimeTrace(t: TraceReport, system: string): Trace {
  const [initial, ...steps] = t.steps;
  return {
    system,
    actorNames: t.actors.map((a) => a.name),
    initialStates: initial?.states ?? [],
    steps: steps.map((s) => ({
      index: s.index,
      actor: s.actor ?? '?',
      message: s.message?.fields as Message,
      disposition: s.disposition ?? 'handled',
      states: s.states,
      sends: s.sends.map((x) => ({ to: x.to, message: x.message.fields as Message })),
      findings: s.findings,
    })),
    findings: t.findings,
  };
}
