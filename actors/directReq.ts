/**
 * The framework direct request Xen sends an SP to say a VM was created or destroyed, with its
 * retry loop: xen/arch/arm/tee/ffa_partinfo.c `ffa_direct_req_send_vm` at upstream c447b730.
 *
 * Xen issues FFA_MSG_SEND_DIRECT_REQ_32 with `w2 = FFA_MSG_FLAG_FRAMEWORK | msg` (VM_CREATED 4,
 * VM_DESTROYED 6) and the VM id in w5. The answer must be FFA_MSG_SEND_DIRECT_RESP_32 with
 * `w2 = FFA_MSG_FLAG_FRAMEWORK | msg + 1`; anything else (an FFA_ERROR, say) is "an invalid
 * response" and the function returns INVALID_PARAMETERS at once, without retrying. A valid
 * answer carries the SP's status in w3: RETRY ("temporarily blocked") and INTERRUPTED (a
 * non-secure interrupt is pending in the SPMC) make Xen ask again at once, in the same loop,
 * until the eleventh answer (`++retry_count > 10`), which is returned whatever it is. So the
 * function returns RETRY or INTERRUPTED only after eleven such answers in a row; that is what
 * `ffa_partinfo_domain_destroy` keeps an SP's bit for (and C10's retry timer exists for).
 *
 * The loop is modelled step for step: one SMC and its answer per attempt, the attempt count in
 * the CPU's context ({@link DirectReqLocals}). No time passes between attempts in Xen either.
 */
import { assign } from 'xstate';
import { send, type Message } from '../runtime/model.js';
import { SMC_RESULT, smc } from '../protocols/smc.js';
import { FFA, FFA_RET } from './ffa.js';

/** FFA_MSG_SEND_DIRECT_REQ_32 / RESP_32 (ffa_private.h). */
export const FFA_MSG_SEND_DIRECT_REQ_32 = 0x8400006f;
export const FFA_MSG_SEND_DIRECT_RESP_32 = 0x84000070;
/** BIT(31): a framework message. */
export const FFA_MSG_FLAG_FRAMEWORK = 0x80000000;
export const FFA_MSG_SEND_VM_CREATED = 0x4;
export const FFA_MSG_SEND_VM_DESTROYED = 0x6;
/** `if ( ++retry_count > 10 ) return res;`: at most eleven requests per call. */
export const DIRECT_REQ_MAX_RETRIES = 10;

/** The framework message a request carries. */
export type VmMessage = typeof FFA_MSG_SEND_VM_CREATED | typeof FFA_MSG_SEND_VM_DESTROYED;

/** The `smc.call` of one attempt: to SP `sp`, about VM id `vm`. */
export function directReqCall(msg: VmMessage, vm: number, sp = 0): Message {
  return smc.call(FFA_MSG_SEND_DIRECT_REQ_32, { w2: (FFA_MSG_FLAG_FRAMEWORK | msg) >>> 0, w5: vm, sp });
}

/** The SP's valid answer to `msg` with status `status` (0, RETRY, INTERRUPTED, ...). */
export function directResp(msg: VmMessage, status: number): Record<string, number> {
  return { w0: FFA_MSG_SEND_DIRECT_RESP_32, w2: (FFA_MSG_FLAG_FRAMEWORK | (msg + 1)) >>> 0, w3: status };
}

/** An FFA_ERROR answer (what an SPMC returns when it cannot deliver the request). */
export function directReqError(code: number): Record<string, number> {
  return { w0: FFA.ERROR, w2: code };
}

/** The CPU's locals for the loop. */
export interface DirectReqLocals {
  /** `retry_count`: answers taken so far in the current call. */
  drTries: number;
}

export function directReqLocals(): DirectReqLocals {
  return { drTries: 0 };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = { context: any; event: Message };

const validResp = (msg: VmMessage) => ({ event }: Args): boolean => event.w0 === FFA_MSG_SEND_DIRECT_RESP_32 && event.w2 === (FFA_MSG_FLAG_FRAMEWORK | (msg + 1)) >>> 0;
const retryStatus = ({ event }: Args): boolean => event.w3 === FFA_RET.RETRY || event.w3 === FFA_RET.INTERRUPTED;
const lastTry = ({ context }: Args): boolean => context.drTries + 1 > DIRECT_REQ_MAX_RETRIES;

/** How a call of `ffa_direct_req_send_vm` ended, as its caller branches on it. */
export interface DirectReqOutcomes {
  /** res == 0. */
  ok: Record<string, unknown>;
  /** res is RETRY or INTERRUPTED: eleven such answers in a row. */
  retry: Record<string, unknown>;
  /** Any other res: an SP error status, or INVALID_PARAMETERS for an invalid answer (never retried). */
  error: Record<string, unknown>;
}

/**
 * `ffa_direct_req_send_vm(sp, vm, msg)`: the actions that start a call (send the first request),
 * and the `smc.result` transitions of the state that waits for each answer. `vm` is read from
 * the context at each attempt.
 */
export function directReqSendVm(spmc: string, msg: VmMessage, vm: (context: Args['context']) => number, outcomes: DirectReqOutcomes) {
  const request = send(spmc, ({ context }: Args) => directReqCall(msg, vm(context)));
  const valid = validResp(msg);
  const status0 = ({ event }: Args): boolean => event.w3 === 0;
  return {
    /** The call's first request. */
    start: [assign({ drTries: 0 }), request],
    /** Transitions on `smc.result`. */
    on: {
      [SMC_RESULT]: [
        // resp.a0 != FFA_MSG_SEND_DIRECT_RESP_32 || resp.a2 != exp_resp: INVALID_PARAMETERS.
        { guard: (a: Args) => !valid(a), ...outcomes.error },
        // res = resp.a3; if ( ++retry_count > 10 ) return res;
        { guard: (a: Args) => lastTry(a) && retryStatus(a), ...outcomes.retry },
        { guard: (a: Args) => lastTry(a) && status0(a), ...outcomes.ok },
        { guard: lastTry, ...outcomes.error },
        // while ( res == FFA_RET_INTERRUPTED || res == FFA_RET_RETRY ): ask again, at once.
        { guard: retryStatus, actions: [assign({ drTries: ({ context }: Args) => context.drTries + 1 }), request] },
        { guard: status0, ...outcomes.ok },
        outcomes.error,
      ],
    },
  };
}
