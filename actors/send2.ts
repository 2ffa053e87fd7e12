/**
 * The steps FFA_MSG_SEND2 takes against the sender's and the receiver's `ffa_ctx`, as upstream
 * c447b730 has them (ffa_msg.c `ffa_handle_msg_send2` -> `ffa_msg_send2_vm`): `ffa_tx_acquire`
 * (trylock of the sender's tx_lock, then page_count and tx), `ffa_endpoint_domain_lookup`
 * (-EINVAL if the destination is dying), and `ffa_rx_acquire` (the destination's rx_lock,
 * page_count and rx_is_free, claiming the buffer, reading rx). C12 and C14 both model a SEND2
 * sender; they build their machines from these messages and guards so the two cannot drift.
 *
 * The actions are created once per (sender, destination) pair and the guards once per module:
 * buggy and fixed variants built from them share them by identity, which the variant-diff specs
 * rely on.
 */
import { assign, type ProvidedActor } from 'xstate';
import { send, type Message } from '../runtime/model.js';
import { spin } from '../protocols/spinlock.js';
import { RX_LOCK, TX_LOCK, ctxMsg, ctxName } from './ffaCtx.js';

type EventArgs = { event: Message };

/** The messages a SEND2 from guest `src` to guest `dst` sends to the two contexts. */
export function send2Steps(src: string, dst: string) {
  const SRC = ctxName(src);
  const DST = ctxName(dst);
  return {
    trylockSrcTx: send(SRC, spin.trylock(TX_LOCK)),
    unlockSrcTx: send(SRC, spin.release(TX_LOCK)),
    loadSrcTx: send(SRC, ctxMsg.read('page_count', 'tx')),
    loadDstDying: send(DST, ctxMsg.read('is_dying')),
    lockDstRx: send(DST, spin.acquire(RX_LOCK)),
    unlockDstRx: send(DST, spin.release(RX_LOCK)),
    loadDstOwner: send(DST, ctxMsg.read('page_count', 'rx_is_free')),
    claimDstRx: send(DST, ctxMsg.write({ rx_is_free: false })),
    freeDstRx: send(DST, ctxMsg.write({ rx_is_free: true })),
    loadDstBuf: send(DST, ctxMsg.read('rx', 'page_count')),
  };
}

/** Guards on the answers: trylock taken, no pages mapped, RX owned by someone, destination dying. */
export const send2Guards = {
  ok: ({ event }: EventArgs): boolean => event.ok === true,
  noPages: ({ event }: EventArgs): boolean => event.page_count === 0,
  rxOwned: ({ event }: EventArgs): boolean => event.rx_is_free === false,
  dying: ({ event }: EventArgs): boolean => event.is_dying === true,
};

/** Keeps the destination mapping id `ffa_rx_acquire` returned in `context.buf`. */
export function saveRxBuf<TContext extends { buf: number | null }>() {
  return assign<TContext, Message, undefined, Message, ProvidedActor>(({ event }) => ({ buf: typeof event.rx === 'number' ? event.rx : null }) as Partial<TContext>);
}
