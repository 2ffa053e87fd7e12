/**
 * Traces as text, TigerBeetle-style: one line per step, one column per actor, and a legend.
 *
 *     step | g1.vcpu0     | g2.vcpu0     | spmc_rx  | message
 *        0 | idle         | idle         | free     | (initial)
 *        1 | *asking      | idle         | free     | g1.vcpu0 <- start from (env); sends spin.is_locked to spmc_rx
 *
 * Every column shows that actor's state after the step; `*` marks the actor that stepped and
 * `!` a step or state where a violation shows.
 */
import type { Trace } from './replay.js';
import { URGENT, shownField, type Message } from './model.js';

export const TRACE_LEGEND =
  "legend: one row per step; each actor column shows that actor's state after the step; " +
  "'*' marks the actor that took a message, '!' a row where a violation shows; " +
  "'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.";

/** Renders a trace as aligned text with a legend and the findings at the end. */
export function formatTrace(trace: Trace, options: { maxColumnWidth?: number } = {}): string {
  const width = options.maxColumnWidth ?? 22;
  const clip = (s: string): string => (s.length > width ? `${s.slice(0, width - 1)}~` : s);
  const header = ['step', ...trace.actorNames.map(clip), 'message'];
  const rows: string[][] = [['0', ...trace.initialStates.map(clip), '(initial)']];
  for (const step of trace.steps) {
    const mark = step.findings.length ? '!' : '';
    const cells = step.states.map((s, a) => clip((trace.actorNames[a] === step.actor ? '*' : '') + s));
    const sends = step.sends.length ? `; sends ${step.sends.map((x) => `${describeMessage(x.message)} to ${x.to}`).join(', ')}` : '';
    const how = step.disposition === 'handled' ? '' : ` (${step.disposition})`;
    rows.push([`${mark}${step.index}`, ...cells, `${step.actor} <- ${describeMessage(step.message)} from ${step.message.from ?? '?'}${how}${sends}`]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padStart(widths[0] as number) : i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join(' | ');
  const out = [TRACE_LEGEND, line(header), ...rows.map(line)];
  for (const f of trace.findings) out.push(`! ${f.message}`);
  return out.join('\n');
}

/**
 * `type` plus the message's scalar fields other than `from` and `interleave.urgent` (how it is
 * delivered, runtime/delivery.ts), e.g. `spin.granted(lock=rx)`; the runtime's `interleave.frame`
 * and `interleave.toFrame` show as `frame` and `toFrame`.
 * Integers of 0x10000 and above print in hex, so FF-A function ids and versions read like the
 * registers a reviewer would see: `smc(fid=0x84000068)`.
 */
export function describeMessage(m: Message): string {
  const show = (v: unknown): string => (typeof v === 'number' && Number.isInteger(v) && v >= 0x10000 ? `0x${v.toString(16)}` : String(v));
  const fields = Object.entries(m)
    .filter(([k, v]) => k !== 'type' && k !== 'from' && k !== URGENT && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${shownField(k)}=${show(v)}`);
  return fields.length ? `${m.type}(${fields.join(',')})` : m.type;
}
