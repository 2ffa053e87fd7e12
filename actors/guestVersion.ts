/**
 * The version-negotiation part of a domain context `struct ffa_ctx` (xen/arch/arm/tee/ffa_private.h
 * at upstream c447b730): `guest_vers_lock`, `guest_vers`, `guest_vers_tmp`, plus `lock`, which
 * guarded `guest_vers` before commit ad2d3a7d ("per-VM FFA_VERSION negotiation state").
 *
 * actors/ffaCtx.ts (the shared domain context) had not landed when this was written; this actor
 * holds only the fields C4 and C8 need, and its name is the ctx's name on the VM list
 * (`g1.ctx`). The lock lives with the data (DESIGN.md decision 5).
 *
 * | message        | Xen                                                     | answer                 |
 * |----------------|---------------------------------------------------------|------------------------|
 * | `vers.read`    | `ACCESS_ONCE(ctx->guest_vers)` (and `guest_vers_tmp`)   | `vers.value` (`vers`, `tmp`) |
 * | `vers.set_tmp` | `ctx->guest_vers_tmp = v` under `guest_vers_lock`       | `vers.ack`             |
 * | `vers.publish` | `ACCESS_ONCE(ctx->guest_vers) = ctx->guest_vers_tmp`     | `vers.ack`             |
 * | `vers.swap`    | before ad2d3a7d, under `ctx->lock`: `old = guest_vers; guest_vers = v` | `vers.value` (`vers` = old) |
 * | `vers.teardown`| ghost: `ffa_domain_teardown` ran                        | `vers.ack`             |
 *
 * The card's property "guest_vers goes 0 -> v once" is an assertion on every store.
 */
import { assign, createMachine } from 'xstate';
import { assertThat, reply, type Message } from '../runtime/model.js';
import { freeLocks, spinlockHandlers, type LockOwnerContext } from '../protocols/spinlock.js';

/** Lock classes. */
export const CTX_GUEST_VERS_LOCK = 'ctx.guest_vers_lock';
export const CTX_LOCK = 'ctx.lock';

export const VERS_READ = 'vers.read';
export const VERS_SET_TMP = 'vers.set_tmp';
export const VERS_PUBLISH = 'vers.publish';
export const VERS_SWAP = 'vers.swap';
export const VERS_TEARDOWN = 'vers.teardown';
export const VERS_VALUE = 'vers.value';
export const VERS_ACK = 'vers.ack';

/** The assertion message when `guest_vers` is stored twice or with 0. */
export const GUEST_VERS_ONCE = 'guest_vers must go from 0 to a version once and never change after';

export interface GuestVersionContext extends LockOwnerContext {
  /** `guest_vers`: 0 until negotiated. */
  guestVers: number;
  /** `guest_vers_tmp`. */
  guestVersTmp: number;
  /** Ghost: `ffa_domain_teardown` has run for this domain. */
  tornDown: boolean;
  /** Check "guest_vers goes 0 -> v once" on every store. */
  checkOnce: boolean;
}

export interface GuestVersionInput {
  /** An already negotiated version (the guest finished FFA_VERSION before the scenario), or 0. */
  guestVers?: number;
  /** A version already recorded by FFA_VERSION but not yet published; default `guestVers`. */
  guestVersTmp?: number;
  /**
   * Check "guest_vers goes 0 -> v once" on every store (default true). A failed store is the
   * end of that schedule, so a scenario that wants to see what the old code did AFTER a second
   * store (the torn PARTITION_INFO_GET of card C8) turns it off.
   */
  checkOnce?: boolean;
}

/** Message builders. */
export const vers = {
  read: (): Message => ({ type: VERS_READ }),
  setTmp: (v: number): Message => ({ type: VERS_SET_TMP, vers: v }),
  publish: (): Message => ({ type: VERS_PUBLISH }),
  swap: (v: number): Message => ({ type: VERS_SWAP, vers: v }),
  teardown: (): Message => ({ type: VERS_TEARDOWN }),
};

type Args = { context: GuestVersionContext; event: Message & { from: string; vers?: number } };

const holds = (lock: string) => ({ context, event }: Args): boolean => context.locks[lock]?.owner === event.from;

/** The ctx's machine: a daemon. */
export function guestVersionMachine() {
  return createMachine({
    id: 'ffa_ctx.guest_vers',
    types: {} as { context: GuestVersionContext; input: GuestVersionInput; events: Args['event'] },
    context: ({ input }) => ({ locks: freeLocks(CTX_GUEST_VERS_LOCK, CTX_LOCK), guestVers: input.guestVers ?? 0, guestVersTmp: input.guestVersTmp ?? input.guestVers ?? 0, tornDown: false, checkOnce: input.checkOnce ?? true }),
    on: {
      ...spinlockHandlers(),
      [VERS_READ]: { actions: reply(({ context }: Args) => ({ type: VERS_VALUE, vers: context.guestVers, tmp: context.guestVersTmp })) },
      [VERS_SET_TMP]: {
        actions: [
          assertThat(holds(CTX_GUEST_VERS_LOCK), 'guest_vers_tmp written without holding guest_vers_lock'),
          assign({ guestVersTmp: ({ event }: Args) => event.vers ?? 0 }),
          reply({ type: VERS_ACK }),
        ],
      },
      [VERS_PUBLISH]: {
        actions: [
          assertThat(holds(CTX_GUEST_VERS_LOCK), 'guest_vers published without holding guest_vers_lock'),
          assertThat(({ context }: Args) => !context.checkOnce || (context.guestVers === 0 && context.guestVersTmp !== 0), GUEST_VERS_ONCE),
          assign({ guestVers: ({ context }: Args) => context.guestVersTmp }),
          reply({ type: VERS_ACK }),
        ],
      },
      [VERS_SWAP]: {
        actions: [
          assertThat(holds(CTX_LOCK), 'guest_vers written without holding ctx->lock'),
          assertThat(({ context, event }: Args) => !context.checkOnce || (context.guestVers === 0 && (event.vers ?? 0) !== 0), GUEST_VERS_ONCE),
          reply(({ context }: Args) => ({ type: VERS_VALUE, vers: context.guestVers, tmp: context.guestVersTmp })),
          assign({ guestVers: ({ event }: Args) => event.vers ?? 0 }),
        ],
      },
      [VERS_TEARDOWN]: { actions: [assign({ tornDown: true }), reply({ type: VERS_ACK })] },
    },
  });
}

/** Trace label: `vers=1.1 tmp=1.1`, with the holder of a held lock. */
export function guestVersionLabel(context: GuestVersionContext): string {
  const v = (x: number): string => (x === 0 ? '0' : `${x >> 16}.${x & 0xffff}`);
  const held = Object.entries(context.locks)
    .filter(([, l]) => l.owner !== null)
    .map(([name, l]) => ` ${name.replace('ctx.', '')}=${l.owner}${l.queue.length ? `[${l.queue.join(' ')}]` : ''}`)
    .join('');
  return `vers=${v(context.guestVers)} tmp=${v(context.guestVersTmp)}${context.tornDown ? ' dead' : ''}${held}`;
}
