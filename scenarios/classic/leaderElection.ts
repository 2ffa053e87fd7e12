/**
 * Leader election on a unidirectional ring (LeLann-Chang-Roberts; N. Lynch, "Distributed
 * Algorithms", 1996, sec. 3.3): a benchmark for partial-order reduction, with an equivalent
 * Promela model in bench/promelaDpor.ts.
 *
 * Node i has the unique id `ringIds(n)[i]` and a FIFO link to node i+1 (mod n). Each node
 * sends its own id to its right neighbour when it starts; then, for each id it receives, it
 * relays ids larger than any it has seen and drops smaller ones; the node that receives its
 * own id back has the largest id and declares itself leader. Every node takes one step per
 * message and sends at most one message per step, so the n messages in flight never grow and
 * a mailbox bound of n cannot overflow.
 *
 * The step that declares a leader asserts that its id is the largest (the algorithm's
 * correctness claim); `atMostOneLeader` adds a global invariant that reads every node.
 */
import { assign, createMachine } from 'xstate';
import { assertThat, send } from '../../runtime/model.js';
import type { Invariant, SystemSpec } from '../../runtime/system.js';

export interface RingOptions {
  /** Number of nodes, at least 2. */
  n: number;
  /** Add the invariant "at most one node is leader", which reads every node. */
  atMostOneLeader?: boolean;
}

interface NodeContext {
  max: number;
  leader: boolean;
}

/** The smallest multiplier k >= 2 with gcd(k, n) = 1: ids `(i * k) mod n + 1` are a permutation of 1..n. */
export function ringMultiplier(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let k = 2;
  while (gcd(k, n) !== 1) k++;
  return k;
}

/** Node i's id: a fixed permutation of 1..n, so the leader is not simply the last node. */
export function ringIds(n: number): number[] {
  const k = ringMultiplier(n);
  return Array.from({ length: n }, (_, i) => ((i * k) % n) + 1);
}

function node(i: number, n: number, id: number) {
  const right = `node${(i + 1) % n}`;
  return createMachine({
    id: `node${i}`,
    types: {} as { context: NodeContext },
    context: { max: id, leader: false },
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'active', actions: send(right, { type: 'uid', v: id }) } } },
      active: {
        on: {
          uid: [
            {
              guard: ({ event }) => event.v === id,
              target: 'elected',
              actions: [assign({ leader: true }), assertThat(() => id === n, `node${i} elected with id ${id}, not the largest`)],
            },
            {
              guard: ({ context, event }) => (event.v as number) > context.max,
              actions: [assign({ max: ({ event }) => event.v as number }), send(right, ({ event }) => ({ type: 'uid', v: event.v }))],
            },
            // A smaller id is dropped.
            {},
          ],
        },
      },
      elected: { meta: { ignore: ['uid'] } },
    },
  });
}

/** The ring as a system: nodes `node0..node<n-1>`, each with a `start` message. */
export function leaderElection({ n, atMostOneLeader = false }: RingOptions): SystemSpec {
  if (!Number.isInteger(n) || n < 2) throw new Error(`leaderElection: n must be an integer >= 2, got ${String(n)}`);
  const ids = ringIds(n);
  const names = ids.map((_, i) => `node${i}`);
  const invariants: Invariant[] = atMostOneLeader
    ? [
        {
          name: 'at most one leader',
          check: (view) => names.filter((name) => (view.actor(name).context as NodeContext).leader).length <= 1,
        },
      ]
    : [];
  return {
    name: `leader-election-${n}${atMostOneLeader ? '-inv' : ''}`,
    actors: ids.map((id, i) => ({ name: names[i] as string, machine: node(i, n, id), daemon: true })),
    initialMessages: names.map((to) => ({ to, event: { type: 'start' } })),
    mailboxBound: n,
    invariants,
  };
}
