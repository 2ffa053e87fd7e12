/**
 * A page of guest memory that Xen reads while the guest can still write it: the TX buffer of
 * an FF-A endpoint, whose first bytes are the FFA_MSG_SEND2 header (`struct
 * ffa_part_msg_rxtx_1_2` in xen/arch/arm/tee/ffa_private.h: flags, reserved, msg_offset,
 * send_recv_id, msg_size, uuid).
 *
 * Only the header fields a scenario names are kept, as small integers. Xen's loads
 * (`memcpy(&src_msg, tx_buf, sizeof(src_msg))`, or a load the compiler re-derives from the live
 * mapping) are `mem.read` messages answered with every field; the guest's stores, from a vCPU
 * running guest code, are `mem.write` messages. Nothing is locked: the guest does not take Xen's
 * locks, which is the point of SCENARIOS.md C14 (upstream c447b730).
 */
import { assign, createMachine } from 'xstate';
import { reply, type Message } from '../runtime/model.js';
import type { ActorSpec } from '../runtime/system.js';

export const MEM_READ = 'mem.read';
export const MEM_VALUE = 'mem.value';
export const MEM_WRITE = 'mem.write';

/** Context: the page's fields. */
export interface GuestMemoryContext {
  fields: Record<string, number>;
}

/** Messages to a guest page. */
export const mem = {
  read: (): Message => ({ type: MEM_READ }),
  write: (fields: Record<string, number>): Message => ({ type: MEM_WRITE, ...fields }),
};

type Args = { context: GuestMemoryContext; event: Message };

const storeFields = assign({
  fields: ({ context, event }: Args) => {
    const next = { ...context.fields };
    for (const k of Object.keys(next)) if (typeof event[k] === 'number') next[k] = event[k] as number;
    return next;
  },
});
const replyFields = reply(({ context }: Args) => ({ type: MEM_VALUE, ...context.fields }));

/** The machine of a guest page with the given initial fields (a daemon). */
export function guestMemoryMachine() {
  return createMachine({
    id: 'guest_memory',
    types: {} as { context: GuestMemoryContext; input: Record<string, number>; events: Message },
    context: ({ input }) => ({ fields: { ...input } }),
    on: { [MEM_READ]: { actions: replyFields }, [MEM_WRITE]: { actions: storeFields } },
  });
}

/** Trace label: the fields in order, `msg_` dropped: `offset=48 size=64`. */
export function guestMemoryLabel(context: GuestMemoryContext): string {
  return Object.entries(context.fields)
    .map(([k, v]) => `${k.replace(/^msg_/, '')}=${v}`)
    .join(' ');
}

/** A guest page actor named `name` holding `fields` (e.g. `{ msg_offset: 48, msg_size: 64 }`). */
export function guestMemoryActor(name: string, fields: Record<string, number>): ActorSpec {
  return { name, machine: guestMemoryMachine(), input: fields, daemon: true, label: guestMemoryLabel };
}
