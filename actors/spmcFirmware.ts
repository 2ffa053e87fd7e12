/**
 * The SPMC (the secure world's partition manager) as Xen sees it: a server answering SMCs.
 *
 * Follows what Xen's callers expect of it in xen/arch/arm/tee/ffa_partinfo.c
 * (`ffa_partition_info_get`, called from `ffa_get_sp_partinfo`) and ffa_rxtx.c
 * (`ffa_rxtx_spmc_rx_release` -> `ffa_simple_call(FFA_RX_RELEASE)`) at upstream commit 9e9504ef
 * ("rework SPMC RX/TX buffer management", seed 004 v1 / seed 002 v2), and SCENARIOS.md section 1:
 *
 * - FFA_PARTITION_INFO_GET fills Xen's RX buffer (an `rx.fill` to the buffer actor) and makes
 *   Xen its owner until FFA_RX_RELEASE; while Xen already owns it, the answer is BUSY.
 * - FFA_RX_RELEASE hands the buffer back; from a caller that does not own it, DENIED.
 * - Any other function id: NOT_SUPPORTED.
 *
 * An SMC is synchronous on the calling CPU: the caller sends `smc` and waits for `smc.ret`,
 * whose `fid` is FFA_SUCCESS_32 or FFA_ERROR and whose `w2` is the count or the error code,
 * as in the registers. Only Xen calls here, so ownership is one flag, not one per endpoint.
 */
import { assign, createMachine } from 'xstate';
import { reply, send, type Message } from '../runtime/model.js';
import { FFA, FFA_RET } from './ffa.js';
import { SPMC_RX_ACTOR, rxBuffer } from './spmcRxBuffer.js';

/** The actor's name in every FF-A system. */
export const SPMC_ACTOR = 'spmc';

/** An SMC from Xen: `fid` is w0. */
export const SMC = 'smc';
/** The SMC's return: `fid` is w0 (FFA_SUCCESS_32 or FFA_ERROR), `w2` the count or error code. */
export const SMC_RET = 'smc.ret';

/** Builders for the SMC messages, so every actor spells them alike. */
export const smc = {
  call: (fid: number): Message => ({ type: SMC, fid }),
  success: (w2: number): Message => ({ type: SMC_RET, fid: FFA.SUCCESS_32, w2 }),
  error: (code: number): Message => ({ type: SMC_RET, fid: FFA.ERROR, w2: code }),
};

/** True when an `smc.ret` reports success. */
export function smcSucceeded(event: Message): boolean {
  return event.fid === FFA.SUCCESS_32 || event.fid === FFA.SUCCESS_64;
}

/** Context: who owns Xen's RX buffer, and how many SPs the SPMC reports. */
export interface SpmcFirmwareContext {
  /** True from a successful PARTITION_INFO_GET until FFA_RX_RELEASE. */
  xenOwnsRx: boolean;
  /** Secure partitions PARTITION_INFO_GET reports. */
  spCount: number;
}

/** Options of the firmware model. */
export interface SpmcFirmwareOptions {
  /** Secure partitions reported by PARTITION_INFO_GET; default 2. */
  spCount?: number;
}

/** Trace label (pass as the actor's `label`): who owns Xen's RX buffer, `rx:xen` or `rx:spmc`. */
export function spmcFirmwareLabel(context: SpmcFirmwareContext): string {
  return context.xenOwnsRx ? 'rx:xen' : 'rx:spmc';
}

type SmcEvent = Message & { fid: number; from: string };
type Args = { context: SpmcFirmwareContext; event: SmcEvent };

const isPartInfoGet = ({ event }: Args): boolean => event.fid === FFA.PARTITION_INFO_GET;
const isRxRelease = ({ event }: Args): boolean => event.fid === FFA.RX_RELEASE;
const xenOwnsRx = ({ context }: Args): boolean => context.xenOwnsRx;

/** The SPMC firmware's machine: a daemon answering PARTITION_INFO_GET and RX_RELEASE. */
export function spmcFirmwareMachine({ spCount = 2 }: SpmcFirmwareOptions = {}) {
  return createMachine({
    id: 'spmc_firmware',
    types: {} as { context: SpmcFirmwareContext; events: SmcEvent },
    context: { xenOwnsRx: false, spCount },
    on: {
      [SMC]: [
        { guard: (a) => isPartInfoGet(a) && xenOwnsRx(a), actions: reply(smc.error(FFA_RET.BUSY)) },
        {
          guard: isPartInfoGet,
          actions: [
            assign({ xenOwnsRx: true }),
            send(SPMC_RX_ACTOR, ({ context }: Args) => rxBuffer.fill(context.spCount)),
            reply(({ context }: Args) => smc.success(context.spCount)),
          ],
        },
        { guard: (a) => isRxRelease(a) && !xenOwnsRx(a), actions: reply(smc.error(FFA_RET.DENIED)) },
        { guard: isRxRelease, actions: [assign({ xenOwnsRx: false }), reply(smc.success(0))] },
        { actions: reply(smc.error(FFA_RET.NOT_SUPPORTED)) },
      ],
    },
  });
}
