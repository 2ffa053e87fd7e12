/**
 * Spec helper: describe a machine's steps (state nodes with their entry actions, initial
 * targets and transitions) with every action and guard named by identity, so that two
 * variants built from one function can be compared node by node. Scenario modules build all
 * actions and guards as module-level constants, so "the same step" means "the same objects".
 */
import type { AnyStateMachine } from 'xstate';

interface NodeLike {
  path: string[];
  states: Record<string, NodeLike>;
  entry: unknown[];
  exit: unknown[];
  initial?: { target: NodeLike[] };
  transitions: Map<string, Array<{ guard?: unknown; target?: NodeLike[]; actions: unknown[] }>>;
  always?: Array<{ guard?: unknown; target?: NodeLike[]; actions: unknown[] }>;
}

/** Names objects by identity across every machine described with the same registry. */
export class Identities {
  private readonly ids = new Map<unknown, number>();
  of(x: unknown): string {
    if (x === undefined) return '-';
    if (typeof x === 'string') return JSON.stringify(x);
    let id = this.ids.get(x);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(x, id);
    }
    return `#${id}`;
  }
}

/** One line per state node: `path: entry [...] ; on event -> [guard, target, actions] ...`. */
export function describeSteps(machine: AnyStateMachine, ids: Identities): Map<string, string> {
  const out = new Map<string, string>();
  const target = (t?: NodeLike[]): string => (t ?? []).map((n) => n.path.join('.')).join(',') || '(self)';
  const visit = (node: NodeLike): void => {
    const parts = [`entry [${node.entry.map((a) => ids.of(a)).join(' ')}]`, `exit [${node.exit.map((a) => ids.of(a)).join(' ')}]`];
    if (node.initial) parts.push(`initial ${target(node.initial.target)}`);
    for (const [event, ts] of [...node.transitions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      parts.push(`on ${event} ${ts.map((t) => `[${ids.of(t.guard)} -> ${target(t.target)} : ${t.actions.map((a) => ids.of(a)).join(' ')}]`).join(' ')}`);
    }
    for (const t of node.always ?? []) parts.push(`always [${ids.of(t.guard)} -> ${target(t.target)} : ${t.actions.map((a) => ids.of(a)).join(' ')}]`);
    out.set(node.path.join('.') || '(root)', parts.join(' ; '));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit((machine as unknown as { root: NodeLike }).root);
  return out;
}

/** The state nodes that differ between two machines: only in one, or described differently. */
export function diffSteps(a: AnyStateMachine, b: AnyStateMachine): { onlyA: string[]; onlyB: string[]; changed: string[] } {
  const ids = new Identities();
  const da = describeSteps(a, ids);
  const db = describeSteps(b, ids);
  return {
    onlyA: [...da.keys()].filter((k) => !db.has(k)).sort(),
    onlyB: [...db.keys()].filter((k) => !da.has(k)).sort(),
    changed: [...da.keys()].filter((k) => db.has(k) && da.get(k) !== db.get(k)).sort(),
  };
}
