/**
 * Spec helper for the notification and teardown scenarios (C5, C6, C7, C10, C11): compare two
 * variants' systems step by step, where actions are closures made per build (so identity, as
 * machineSteps.ts uses it, cannot tell "the same step" apart).
 *
 * Each state node is described by its entry/exit actions, its transitions (event, guard, target,
 * actions) and its meta; an action or guard is named by what it does: a send by its resolved
 * receiver and message (resolved on a sample input; a send that depends on the input is named
 * by its source text), anything else by the source text of its function(s). Two builds of the
 * same code with the same arguments describe alike; a moved or changed step shows up as a
 * changed node.
 */
import type { AnyStateMachine } from 'xstate';
import type { SystemSpec } from '../../runtime/index.js';

interface NodeLike {
  path: string[];
  states: Record<string, NodeLike>;
  entry: unknown[];
  exit: unknown[];
  meta?: unknown;
  initial?: { target: NodeLike[] };
  transitions: Map<string, Array<{ guard?: unknown; target?: NodeLike[]; actions: unknown[]; reenter?: boolean }>>;
  always?: Array<{ guard?: unknown; target?: NodeLike[]; actions: unknown[] }>;
}

/** The input dynamic sends are resolved on; a spec may pass a context with the fields its machines read. */
export interface Sample {
  context: Record<string, unknown>;
  event: Record<string, unknown>;
}

const SAMPLE: Sample = { context: {}, event: { type: '(sample)' } };

function source(x: unknown): string {
  if (typeof x === 'function') return x.toString().replace(/\s+/g, ' ');
  if (Array.isArray(x)) return `[${x.map(source).join(', ')}]`;
  if (x && typeof x === 'object') return `{${Object.entries(x as Record<string, unknown>).map(([k, v]) => `${k}: ${source(v)}`).join(', ')}}`;
  return JSON.stringify(x) ?? 'undefined';
}

/** What an action does, as a string. */
export function describeAction(a: unknown, sample: Sample = SAMPLE): string {
  if (Array.isArray(a)) return a.map((x) => describeAction(x, sample)).join(' ');
  const act = a as { type?: string; params?: unknown; assignment?: unknown; collect?: unknown } | undefined;
  const isAction = !!act && (typeof act === 'object' || typeof act === 'function') && typeof act.type === 'string';
  if (isAction && act.type === 'interleave.send' && typeof act.params === 'function') {
    try {
      return `send ${JSON.stringify((act.params as (x: unknown) => unknown)(sample))}`;
    } catch {
      return `send(dynamic) ${source(act.params)}`;
    }
  }
  if (isAction) return `${act.type} ${source(act.assignment ?? act.collect ?? act.params ?? act)}`;
  return source(a);
}

/** One line per state node of `machine`. */
export function stepsOf(machine: AnyStateMachine, sample: Sample = SAMPLE): Map<string, string> {
  const describeAction_ = (a: unknown) => describeAction(a, sample);
  const out = new Map<string, string>();
  const target = (t?: NodeLike[]): string => (t ?? []).map((n) => n.path.join('.')).join(',') || '(self)';
  const visit = (node: NodeLike): void => {
    const parts = [`entry [${node.entry.map(describeAction_).join(' | ')}]`, `exit [${node.exit.map(describeAction_).join(' | ')}]`, `meta ${JSON.stringify(node.meta ?? null)}`];
    if (node.initial) parts.push(`initial ${target(node.initial.target)}`);
    for (const [event, ts] of [...node.transitions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      parts.push(`on ${event} ${ts.map((t) => `[${t.guard ? source(t.guard) : '-'} -> ${target(t.target)}${t.reenter ? ' (reenter)' : ''} : ${t.actions.map(describeAction_).join(' | ')}]`).join(' ')}`);
    }
    for (const t of node.always ?? []) parts.push(`always [${t.guard ? source(t.guard) : '-'} -> ${target(t.target)} : ${t.actions.map(describeAction_).join(' | ')}]`);
    out.set(node.path.join('.') || '(root)', parts.join(' ; '));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit((machine as unknown as { root: NodeLike }).root);
  return out;
}

/** Per actor: the state nodes that differ between two systems' machines (actors only in one are listed as `+name`/`-name`). */
export function diffSystems(a: SystemSpec, b: SystemSpec, sample: Sample = SAMPLE): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const names = new Set([...a.actors.map((x) => x.name), ...b.actors.map((x) => x.name)]);
  for (const name of [...names].sort()) {
    const ma = a.actors.find((x) => x.name === name);
    const mb = b.actors.find((x) => x.name === name);
    if (!ma || !mb) {
      out[name] = [ma ? `only in ${a.name}` : `only in ${b.name}`];
      continue;
    }
    const sa = stepsOf(ma.machine as AnyStateMachine, sample);
    const sb = stepsOf(mb.machine as AnyStateMachine, sample);
    const changed = [...new Set([...sa.keys(), ...sb.keys()])].filter((k) => sa.get(k) !== sb.get(k)).sort();
    const ctxA = JSON.stringify((ma.machine as AnyStateMachine).config.context ?? null);
    const ctxB = JSON.stringify((mb.machine as AnyStateMachine).config.context ?? null);
    if (ctxA !== ctxB) changed.push('(initial context)');
    if (changed.length) out[name] = changed;
  }
  return out;
}
