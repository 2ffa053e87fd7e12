/** Drives one machine with xstate's pure transition(), as the engine does, for protocol unit specs. */
import { initialTransition, transition, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import { ASSERT_ACTION, SEND_ACTION, type AssertParams, type Message, type SendParams } from '../../runtime/model.js';

export interface Driven {
  snapshot: AnyMachineSnapshot;
  /** Sends of the last step, as `to: type(field=value,...)` without `from`. */
  sent: string[];
  /** Failed assertions of the last step. */
  failed: string[];
  /** Takes `event` from `from`. */
  take(from: string, event: Message): Driven;
  readonly context: Record<string, unknown>;
}

function fmt(to: string, m: Message): string {
  const fields = Object.entries(m)
    .filter(([k, v]) => k !== 'type' && k !== 'from' && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${to}: ${m.type}${fields.length ? `(${fields.join(',')})` : ''}`;
}

export function drive(machine: AnyStateMachine, input?: unknown): Driven {
  const [s0] = initialTransition(machine, input) as [AnyMachineSnapshot, unknown[]];
  const d: Driven = {
    snapshot: s0,
    sent: [],
    failed: [],
    get context() {
      return d.snapshot.context as Record<string, unknown>;
    },
    take(from, event) {
      const [next, actions] = transition(machine, d.snapshot as never, { ...event, from } as never) as [AnyMachineSnapshot, Array<{ type: string; params?: unknown }>];
      d.snapshot = next;
      d.sent = actions.filter((a) => a.type === SEND_ACTION).map((a) => fmt((a.params as SendParams).to, (a.params as SendParams).event));
      d.failed = actions.filter((a) => a.type === ASSERT_ACTION && !(a.params as AssertParams).ok).map((a) => (a.params as AssertParams).message);
      return d;
    },
  };
  return d;
}
