/**
 * SMC: a call from a CPU to the secure world and its answer (Arm SMCCC, as Xen issues it with
 * `arm_smccc_1_2_smc` in xen/arch/arm/tee/ffa.c `ffa_get_ret_code` and friends).
 *
 * The CPU sends `smc.call {fid, ...args}` and waits in a state for `smc.result {fid, ...ret}`;
 * the secure world answers each call with one result. The secure world's behaviour is a pure
 * function of its own state and the call, returning the new state, the result and any other
 * messages it sends (an SP raising the Schedule Receiver Interrupt with `irq.trigger`, say).
 * Calls from different CPUs interleave at the secure world in whatever order the explorer picks.
 */
import { createMachine, enqueueActions } from 'xstate';
import { answerTo, send, type Message } from '../runtime/model.js';

export const SMC_CALL = 'smc.call';
export const SMC_RESULT = 'smc.result';

export const smc = {
  call: (fid: string | number, args: Record<string, string | number | boolean | null> = {}): Message => ({ type: SMC_CALL, fid, ...args }),
};

/** What the secure world does with one call. */
export interface SmcOutcome<C> {
  context?: C;
  /** Fields of the `smc.result` (its `fid` is added). */
  result: Record<string, string | number | boolean | null>;
  /** Other messages, sent after the result. */
  sends?: Array<{ to: string; event: Message }>;
}

/**
 * A secure world whose answers come from `handle`. Messages other than `smc.call` that it
 * should accept (a trigger from the test harness, say) go in `on`.
 */
export function secureWorldMachine<C extends Record<string, unknown>>(id: string, context: C, handle: (context: C, call: Message) => SmcOutcome<C>, on: Record<string, unknown> = {}) {
  return createMachine({
    id,
    context,
    on: {
      ...on,
      [SMC_CALL]: {
        actions: enqueueActions(({ context: c, event, enqueue }) => {
          const call = event as unknown as Message;
          const out = handle(c as C, call);
          if (out.context) enqueue.assign(out.context as never);
          enqueue(send(String(call.from), answerTo(call, { type: SMC_RESULT, fid: call.fid, ...out.result })));
          for (const s of out.sends ?? []) enqueue(send(s.to, s.event));
        }),
      },
    },
  } as never);
}
