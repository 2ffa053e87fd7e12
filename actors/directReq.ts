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
import { SMC_RESULT, secureWorldMachine, smc } from '../protocols/smc.js';
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
 * and the `smc.result` transitions of the state that waits for each answer. `vm` and `sp` (the
 * SP's index in `sp_list`, default 0) are read from the context at each attempt.
 */
export function directReqSendVm(spmc: string, msg: VmMessage, vm: (context: Args['context']) => number, outcomes: DirectReqOutcomes, sp: (context: Args['context']) => number = () => 0) {
  const request = send(spmc, ({ context }: Args) => directReqCall(msg, vm(context), sp(context)));
  const valid = validResp(msg);
  const status0 = ({ event }: Args): boolean => event.w3 === 0;
  return {
    /** The call's first request. */
    start: [assign({ drTries: (_: Args) => 0 }), request],
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

/** What the SPs know: for each SP (by index in the SP list), the VM ids it was told exist. */
export interface VmEventSpsContext extends Record<string, unknown> {
  /** FF-A ids of the SPs (bit 15 set), in `sp_list` order. */
  ids: number[];
  /** Per SP index: VM ids told VM_CREATED and not yet VM_DESTROYED. */
  known: number[][];
  /** Per SP index: VM_CREATED answers still to be an error status (DENIED), then OK. */
  refuseCreated: number[];
  /** Per SP index: VM_DESTROYED answers still to be RETRY, then OK. */
  retryDestroyed: number[];
}

export interface VmEventSpsOptions {
  /** FF-A ids of the SPs, in `sp_list` order; every one subscribes to VM_CREATED and VM_DESTROYED. */
  ids: number[];
  /** Per SP index: how many VM_CREATED answers are DENIED (default none). */
  refuseCreated?: number[];
  /** Per SP index: how many VM_DESTROYED answers are RETRY (default none). */
  retryDestroyed?: number[];
}

/**
 * The secure partitions that subscribe to VM creation and destruction messages (partition
 * properties FFA_PART_PROP_NOTIF_CREATED and _DESTROYED), answering Xen's framework direct
 * requests (`sp` is the index in `sp_list`). An SP that accepts VM_CREATED keeps the VM until
 * VM_DESTROYED: whatever per-VM state it holds (the FF-A spec leaves it to the SP) lives that long.
 */
export function vmEventSpsMachine(id: string, o: VmEventSpsOptions) {
  const n = o.ids.length;
  const initial: VmEventSpsContext = {
    ids: [...o.ids],
    known: o.ids.map(() => []),
    refuseCreated: o.refuseCreated ?? Array<number>(n).fill(0),
    retryDestroyed: o.retryDestroyed ?? Array<number>(n).fill(0),
  };
  return secureWorldMachine<VmEventSpsContext>(id, initial, (c, call) => {
    const sp = Number(call.sp);
    const msg = (Number(call.w2) & 0xff) as VmMessage;
    const vm = Number(call.w5);
    if (call.fid !== FFA_MSG_SEND_DIRECT_REQ_32 || !(sp in c.known)) return { result: directReqError(FFA_RET.INVALID_PARAMETERS) };
    const at = <T>(list: T[], v: T): T[] => list.map((x, i) => (i === sp ? v : x));
    if (msg === FFA_MSG_SEND_VM_CREATED) {
      if ((c.refuseCreated[sp] ?? 0) > 0) return { context: { ...c, refuseCreated: at(c.refuseCreated, (c.refuseCreated[sp] ?? 0) - 1) }, result: directResp(msg, FFA_RET.DENIED) };
      return { context: { ...c, known: at(c.known, [...(c.known[sp] ?? []), vm]) }, result: directResp(msg, 0) };
    }
    if ((c.retryDestroyed[sp] ?? 0) > 0) return { context: { ...c, retryDestroyed: at(c.retryDestroyed, (c.retryDestroyed[sp] ?? 0) - 1) }, result: directResp(msg, FFA_RET.RETRY) };
    return { context: { ...c, known: at(c.known, (c.known[sp] ?? []).filter((v) => v !== vm)) }, result: directResp(msg, 0) };
  });
}

/** Trace label: `8001:{2} 8002:{}`. */
export function vmEventSpsLabel(c: VmEventSpsContext): string {
  return c.ids.map((id, i) => `${id.toString(16)}:{${(c.known[i] ?? []).join(',')}}`).join(' ');
}
