/**
 * The SPMC's side of FF-A notifications, as Xen's notification code sees it, and a secure
 * partition (SP) that sends notifications to VMs.
 *
 * Follows the FF-A v1.1 notification ABI as Xen's xen/arch/arm/tee/ffa_notif.c (upstream
 * c447b730; seed 003, S3 v6 "support notification") drives it, with the per-notification
 * bookkeeping of the reference SPMC (Hafnium): a notification is pending in a VM's bitmap from
 * FFA_NOTIFICATION_SET until FFA_NOTIFICATION_GET retrieves it; FFA_NOTIFICATION_INFO_GET
 * reports a VM only for pending notifications whose info it has not reported before, so each
 * pending notification is announced once (SCENARIOS.md section 1: "reports each pending VM ID
 * once"). Every SET pends the Schedule Receiver Interrupt (SRI) on the CPU the SP runs on; the
 * SPMC never learns whether Xen took it.
 *
 * | message (`smc.call {fid, ...}`)                 | SPMC does                                  | `smc.result` w0/w2 |
 * |-------------------------------------------------|--------------------------------------------|------------------|
 * | NOTIFICATION_SET `{vm, bits, cpu}` (from an SP) | pending |= bits; SRI to `cpu` (irq.trigger to the GIC) | SUCCESS, or INVALID_PARAMETERS without a bitmap |
 * | NOTIFICATION_INFO_GET_64 (Xen's tasklet)        | VMs with unreported pending bits, in w2/w3 as the registers carry them; marks them reported | SUCCESS_64, or NO_DATA |
 * | NOTIFICATION_GET `{vm, flags}` (Xen, for a guest)| returns and clears the VM's pending bits   | SUCCESS_32, w2 = bits |
 * | NOTIFICATION_BITMAP_CREATE `{vm}`               | new empty bitmap; DENIED if one exists     | SUCCESS / DENIED |
 * | NOTIFICATION_BITMAP_DESTROY `{vm}`              | drops the bitmap; DENIED while bits are pending (Hafnium) or none exists | SUCCESS / DENIED |
 *
 * INFO_GET's reply follows the 64-bit register layout (SCENARIOS.md section 4): w2 bit 0 = more
 * pending, bits [11:7] = number of ID lists, from bit 12 two bits per list = IDs-1 (always 0
 * here: global notifications only, one ID per list), IDs in w3 (four 16-bit IDs).
 * {@link decodeInfoGet} reads it back as Xen's `notif_sri_action` does.
 *
 * Bitmaps also carry a generation (`gen`, bumped by every CREATE) so that a scenario can tell a
 * reused VM id's bitmap from its predecessor's (C11).
 */
import { assign, createMachine } from 'xstate';
import { send, type Message } from '../runtime/model.js';
import { irq } from '../protocols/irq.js';
import { SMC_RESULT, secureWorldMachine, smc, type SmcOutcome } from '../protocols/smc.js';
import { FFA, FFA_RET, SRI_SGI } from './ffa.js';

/** FF-A v1.1 function ids not in actors/ffa.ts (as ffa_private.h spells them). */
export const FFA_NOTIF = {
  BITMAP_CREATE: 0x8400007d,
  BITMAP_DESTROY: 0x8400007e,
} as const;

/** FFA_NOTIF_FLAG_BITMAP_SP / _SPM of NOTIFICATION_GET's w2 (ffa_private.h). */
export const NOTIF_FLAG_BITMAP_SP = 1 << 0;
export const NOTIF_FLAG_BITMAP_SPM = 1 << 1;

/** Register layout of INFO_GET's w2 (ffa_private.h FFA_NOTIF_INFO_GET_*). */
export const NOTIF_INFO_GET_MORE_FLAG = 1;
export const NOTIF_INFO_GET_ID_COUNT_SHIFT = 7;
export const NOTIF_INFO_GET_ID_LIST_SHIFT = 12;

/** The SPMC actor's name in the notification systems. */
export const SPMC_NOTIF_ACTOR = 'spmc';

/** One VM's notification bitmap in the SPMC. */
export interface NotifBitmap {
  /** Pending notifications (bit n = notification n). */
  pending: number;
  /** Pending notifications whose info INFO_GET has already reported. */
  reported: number;
  /** Which CREATE made this bitmap (1, 2, ...). */
  gen: number;
}

export interface SpmcNotifContext {
  /** By FF-A VM id (domid + 1). */
  bitmaps: Record<string, NotifBitmap>;
  /** CREATEs so far: the next bitmap's generation is this + 1. */
  created: number;
  /**
   * Ghost, not SPMC state: CPUs an SRI was pended on since the last INFO_GET (which every run of
   * `notif_sri_action` starts with). C7's property reads it: an SRI is served by a tasklet run
   * that starts after it.
   */
  sriUnserved: string[];
  /** Ghost, not SPMC state: the generations of the bitmaps the last successful INFO_GET reported (C11). */
  reportedGens: number[];
}

/** Options of the SPMC model. */
export interface SpmcNotifOptions {
  /** VM ids whose bitmaps exist at the start (created by `ffa_notif_domain_init` before the run). */
  bitmaps: number[];
  /** The GIC actor SRIs are pended through. */
  gic: string;
  /** The SRI's interrupt id (FFA_FEATURES(SCHEDULE_RECV_INTR)); default SGI 9. */
  sriIrq?: number;
}

/** Builders for the SMCs Xen and SPs make (protocols/smc.ts `smc.call`). */
export const notifSmc = {
  set: (vm: number, bits: number, cpu: string): Message => smc.call(FFA.NOTIFICATION_SET, { vm, bits, cpu }),
  infoGet: (): Message => smc.call(FFA.NOTIFICATION_INFO_GET_64),
  get: (vm: number, flags: number): Message => smc.call(FFA.NOTIFICATION_GET, { vm, flags }),
  bitmapCreate: (vm: number): Message => smc.call(FFA_NOTIF.BITMAP_CREATE, { vm }),
  bitmapDestroy: (vm: number): Message => smc.call(FFA_NOTIF.BITMAP_DESTROY, { vm }),
};

/** INFO_GET's w2 and w3 for `ids` (one ID per list, at most four, no "more" flag). */
export function encodeInfoGet(ids: number[]): { w2: number; w3: number } {
  if (ids.length > 4) throw new Error('encodeInfoGet: at most four ids fit in w3');
  const w3 = ids.reduce((acc, id, i) => acc + id * 2 ** (16 * i), 0);
  return { w2: ids.length << NOTIF_INFO_GET_ID_COUNT_SHIFT, w3 };
}

/** What `notif_sri_action` reads from an INFO_GET reply: the VM ids and the "more" flag. */
export function decodeInfoGet(w2: number, w3: number): { ids: number[]; more: boolean } {
  const lists = (w2 >> NOTIF_INFO_GET_ID_COUNT_SHIFT) & 0x1f;
  const counts = Math.floor(w2 / 2 ** NOTIF_INFO_GET_ID_LIST_SHIFT);
  const ids: number[] = [];
  let pos = 0;
  for (let n = 0; n < lists; n++) {
    ids.push(Math.floor(w3 / 2 ** (16 * pos)) % 0x10000);
    pos += ((counts >> (2 * n)) & 3) + 1;
  }
  return { ids, more: (w2 & NOTIF_INFO_GET_MORE_FLAG) !== 0 };
}

/** True when an `smc.result` reports success (w0 is FFA_SUCCESS_32/64). */
export function smcOk(event: Message): boolean {
  return event.w0 === FFA.SUCCESS_32 || event.w0 === FFA.SUCCESS_64;
}

/** Trace label: pending bits per VM, `*` on those already reported, and the ghost: `2:b0*b1 sri@cpu1`. */
export function spmcNotifLabel(c: SpmcNotifContext): string {
  const vms = Object.keys(c.bitmaps).sort((a, b) => Number(a) - Number(b));
  const sri = c.sriUnserved.length ? ` sri@${c.sriUnserved.join(',')}` : '';
  if (vms.length === 0) return `no bitmaps${sri}`;
  return vms
    .map((vm) => {
      const b = c.bitmaps[vm] as NotifBitmap;
      const bits = [0, 1, 2, 3, 4, 5, 6, 7].filter((n) => b.pending & (1 << n)).map((n) => `b${n}${b.reported & (1 << n) ? '*' : ''}`);
      return `${vm}:${bits.join('') || '-'}`;
    })
    .join(' ')
    .concat(sri);
}

type Ctx = SpmcNotifContext & Record<string, unknown>;

/** The SPMC's answer to one SMC: a pure function of its state and the call. */
export function spmcNotifHandle(gic: string, sriIrq: number, c: Ctx, call: Message): SmcOutcome<Ctx> {
  const key = String(call.vm);
  const bm = c.bitmaps[key];
  const next = (bitmaps: Record<string, NotifBitmap>, created = c.created, sriUnserved = c.sriUnserved, reportedGens = c.reportedGens): Ctx => ({ bitmaps, created, sriUnserved, reportedGens });
  const ok = (extra: Record<string, number> = {}, w0: number = FFA.SUCCESS_32) => ({ w0, w2: 0, ...extra });
  const error = (code: number): SmcOutcome<Ctx> => ({ result: { w0: FFA.ERROR, w2: code } });
  switch (call.fid) {
    case FFA.NOTIFICATION_SET:
      if (!bm) return error(FFA_RET.INVALID_PARAMETERS);
      return {
        context: next({ ...c.bitmaps, [key]: { ...bm, pending: bm.pending | Number(call.bits) } }, c.created, [...new Set([...c.sriUnserved, String(call.cpu)])].sort()),
        result: ok(),
        sends: [{ to: gic, event: irq.trigger(sriIrq, String(call.cpu)) }],
      };
    case FFA.NOTIFICATION_INFO_GET_64: {
      const ids = Object.keys(c.bitmaps)
        .map(Number)
        .sort((a, b) => a - b)
        .filter((vm) => {
          const b = c.bitmaps[String(vm)] as NotifBitmap;
          return (b.pending & ~b.reported) !== 0;
        });
      if (ids.length === 0) return { context: next(c.bitmaps, c.created, []), result: { w0: FFA.ERROR, w2: FFA_RET.NO_DATA } };
      const bitmaps = { ...c.bitmaps };
      for (const vm of ids) {
        const b = bitmaps[String(vm)] as NotifBitmap;
        bitmaps[String(vm)] = { ...b, reported: b.pending };
      }
      return { context: next(bitmaps, c.created, [], ids.map((vm) => (bitmaps[String(vm)] as NotifBitmap).gen)), result: ok(encodeInfoGet(ids), FFA.SUCCESS_64) };
    }
    case FFA.NOTIFICATION_GET:
      if (!bm) return error(FFA_RET.INVALID_PARAMETERS);
      return { context: next({ ...c.bitmaps, [key]: { ...bm, pending: 0, reported: 0 } }), result: ok({ w2: bm.pending, gen: bm.gen }) };
    case FFA_NOTIF.BITMAP_CREATE:
      if (bm) return error(FFA_RET.DENIED);
      return { context: next({ ...c.bitmaps, [key]: { pending: 0, reported: 0, gen: c.created + 1 } }, c.created + 1), result: ok() };
    case FFA_NOTIF.BITMAP_DESTROY: {
      if (!bm || bm.pending !== 0) return error(FFA_RET.DENIED);
      const { [key]: _gone, ...rest } = c.bitmaps;
      return { context: next(rest), result: ok() };
    }
    default:
      return error(FFA_RET.NOT_SUPPORTED);
  }
}

/** The SPMC's notification machine (a daemon): protocols/smc.ts's secure world with {@link spmcNotifHandle}. */
export function spmcNotifMachine({ bitmaps, gic, sriIrq = SRI_SGI }: SpmcNotifOptions) {
  const initial: Record<string, NotifBitmap> = {};
  bitmaps.forEach((vm, i) => (initial[String(vm)] = { pending: 0, reported: 0, gen: i + 1 }));
  return secureWorldMachine<Ctx>('spmc_notifications', { bitmaps: initial, created: bitmaps.length, sriUnserved: [], reportedGens: [] }, (c, call) => spmcNotifHandle(gic, sriIrq, c, call));
}

/** What an SP does: FFA_NOTIFICATION_SET to `vm` for each of `bits`, one after another, from `cpu`. */
export interface SpProgram {
  vm: number;
  /** One SET per entry, e.g. [1, 2]: notification 0, then notification 1. */
  bits: number[];
  /** The core the SP runs on: the SRI is pended there. */
  cpu: string;
}

export interface SpContext extends SpProgram {
  /** SETs answered so far. */
  sent: number;
}

/**
 * An SP: on `start`, sends its SETs one at a time (each waits for the SPMC's answer), then
 * finishes. Its SETs reach the SPMC at any point of the other actors' runs.
 */
export function spMachine(id: string, program: SpProgram) {
  return createMachine({
    id,
    types: {} as { context: SpContext },
    context: { ...program, sent: 0 },
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'setting', actions: send(SPMC_NOTIF_ACTOR, ({ context }: { context: SpContext }) => notifSmc.set(context.vm, context.bits[0] as number, context.cpu)) } } },
      setting: {
        on: {
          [SMC_RESULT]: [
            { guard: ({ context }) => context.sent + 1 >= context.bits.length, target: 'done', actions: assign({ sent: ({ context }) => context.sent + 1 }) },
            {
              target: 'setting',
              reenter: true,
              actions: [
                assign({ sent: ({ context }) => context.sent + 1 }),
                send(SPMC_NOTIF_ACTOR, ({ context }: { context: SpContext }) => notifSmc.set(context.vm, context.bits[context.sent] as number, context.cpu)),
              ],
            },
          ],
        },
      },
      done: { type: 'final' },
    },
  });
}

/** Trace label of an SP: `set 1/2`. */
export function spLabel(c: SpContext): string {
  return c.sent >= c.bits.length ? `done ${c.sent}/${c.bits.length}` : `${c.sent}/${c.bits.length} set`;
}
