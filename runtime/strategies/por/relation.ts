/**
 * The dependency relation of actor steps over FIFO mailboxes with urgent delivery, and the
 * stubborn sets built on it.
 *
 * ## Steps
 * A step of actor a takes one message from a's mailbox (runtime/delivery.ts): the oldest
 * *urgent* message (an interrupt: `irq.raise`) that a's local state handles, if there is one,
 * else the first message a's local state does not defer. It replaces a's local state, and
 * appends its sends to their receivers' mailboxes in order. So a step of a *reads and writes*
 * a's local state and a's mailbox (the message it takes may sit behind others, but only a's own
 * steps ever take from a's mailbox), and *appends* to the tail of each receiver's mailbox. Each
 * actor has at most one enabled step; "a's step" below means the step a would take now.
 *
 * ## When two steps commute (both enabled at state s, actors a != b)
 * Executing a's step then b's gives the same state as b's then a's, neither disables the other,
 * and neither changes the other's outcome, unless:
 *
 * 1. **Common receiver.** Both append to one mailbox r (r may be a or b itself: a self-send):
 *    the two appends land in r's FIFO in different orders, so the states differ.
 * 2. **Urgent delivery.** An urgent message u appended to b's mailbox while b is enabled and
 *    about to take m: if b's state handles u and m is not an older urgent message it handles,
 *    b takes u instead of m. Then "send u, then b's step" is b's IRQ handler overtaking m (the
 *    interrupt taken at the next instruction boundary), and "b's step, then send u" is m first:
 *    different steps of b, different states. So a step that sends an urgent message to b is
 *    dependent with b's step. (We do not ask whether b's state handles u: when it defers, drops
 *    or does not handle u, b still takes m and the pair commutes; counting it dependent costs a
 *    little reduction, never soundness.) Which messages are urgent is the message's own
 *    `urgent` field (runtime/model.ts `URGENT`; strategies/dpor.ts tells the analysis).
 * 3. **Overflow.** A send into b's mailbox and b's step taking from it: in one order b's mailbox
 *    holds one more message when the send lands. If that crosses the mailbox bound, the send is
 *    a `mailbox-overflow` violation in one order and not in the other.
 *
 * Everything else commutes. In particular a *send into b's mailbox commutes with b's step*
 * (barring 2 and 3): b is enabled, so the message it takes is already in its mailbox, ahead of
 * anything appended later; appending a message that is not urgent never changes which message
 * b takes (the urgent pass looks at urgent messages only, and the FIFO pass skips only deferred
 * messages, so a later message cannot be ahead of the one b takes). Two urgent messages sent
 * into one mailbox are dependent by rule 1 already: their order decides which one is oldest.
 * Urgent delivery adds no other dependence: b's choice still depends only on b's local state
 * and mailbox, so a step can change another actor's step only by sending to it. Steps of
 * different actors with disjoint receivers commute. Enabling is not dependence here: a send can
 * enable a disabled actor, but then the two steps are never both enabled. (The coarse relation
 * this replaces made every send to b dependent with b's step; on a ring or a pipeline, where
 * every actor is someone's receiver, that relates every step to every other and reduces
 * nothing.) A failing step (assertion, unhandled message, actor error, overflow) ends its path,
 * so it disables every other step: it is dependent with all of them and never in a reduced set.
 *
 * This is the relation of actor programs in Tasharofi et al., "TransDPOR: A Novel Dynamic
 * Partial-Order Reduction Technique for Testing Actor Programs" (FMOODS/FORTE 2012), where
 * receives by one actor are the only dependent pairs, refined for FIFO mailboxes: with FIFO,
 * the order in which two messages *arrive* at a mailbox matters (rule 1), and with it the
 * relation is no longer transitive (a sends to r, b to r and q, c to q), so we do not use
 * TransDPOR's transitivity shortcut. Rule 3 is the condition SPIN uses for its exclusive
 * channels (xr/xs): a send and a receive on one channel are independent while the channel is
 * neither full nor empty (G. J. Holzmann, D. Peled, "An improvement in formal verification",
 * FORTE 1994).
 *
 * ## When rule 3 can be ignored
 * A step takes one message and sends k. If every step of the system sends at most one message
 * (k <= 1), the number of messages in all mailboxes, M, never grows; a send then lands in a
 * mailbox holding at most M - 1 other messages, so if M <= bound at s no mailbox can overflow
 * on any path from s, and rule 3 never applies there. Otherwise rule 3 is applied coarsely: a
 * step of b in a stubborn set also guards b's mailbox (no one else may send into it first).
 * "Every step sends at most one message" is learnt during the search (see {@link Topology}).
 *
 * What the coarse rule costs: C1 (scenarios/c1.ts; FF-A card C1) is reduced not at all
 * (fixed, 2/3/4 guests: 118/872/6,744 states, BFS's counts). Its SPMC answers an SMC with two
 * messages (`rx.fill` to spmc_rx and `smc.ret` to the calling vCPU), so once that step is seen
 * the search starts over with rule 3 applied coarsely, and then every reduced set closes over
 * all enabled actors: a vCPU in T guards its own mailbox, which spmc_rx and spmc reply into,
 * and their mailboxes are the ones every vCPU sends into. Measured by switching parts off (an
 * unsound probe, not an option; 3 guests): without rule 3 the search stores 584 states; without
 * visibility and with rule 3, still 872. C1's full search never has more than 4 messages in
 * flight (mailbox bound 8), so no send there can overflow; a rule 3 that knew a bound on the
 * messages in flight would reduce C1, but "at most one send per step" is the only such bound
 * this module can learn and argue (a larger bound would have to be an invariant of the whole
 * system, not of single steps). SPIN's partial-order reduction on the equivalent Promela model
 * (bench/promelaC1.ts) stores every state too (`npm run bench`, the C1 rows).
 *
 * ## Stubborn sets
 * A set T of enabled steps at s is *persistent* when no path from s made of steps outside T
 * contains a step dependent with a step of T (P. Godefroid, "Partial-Order Methods for the
 * Verification of Concurrent Systems", LNCS 1032, 1996, ch. 4); exploring only T at s keeps
 * every deadlock. We build T as a stubborn set (A. Valmari, "Stubborn sets for reduced state
 * space generation", 1990): start from one enabled step x and close under
 *
 * - each mailbox T appends to is *guarded*: every actor that may ever send into it must not step
 *   first. If that actor is enabled its step joins T (its later steps all come after it); if it
 *   is disabled it can only move once a message reaches it, so its own mailbox is guarded too;
 * - each actor in T is *guarded against urgent messages* the same way (rule 2): every actor
 *   that may ever send it an urgent message must not step first (enabled: joins T; disabled:
 *   its mailbox is guarded). So no path outside T can slip an interrupt in ahead of a step of
 *   T, and a path on which an interrupt overtakes a queued step is never merged with the path
 *   on which it does not: the sender's step and the receiver's are both kept, in both orders
 *   where both are enabled. Sleep sets use the same rule (analysis.ts `independentAt`): a step
 *   sending an urgent message to y never puts y's step to sleep, nor the other way round;
 * - with the coarse rule 3, each actor in T guards its own mailbox.
 *
 * Which actors may ever send where, and send urgent messages where, is the {@link Topology}:
 * learnt from the steps the search computes; a new urgent sender into an actor that some
 * reduced expansion guarded makes the search start over, like a new sender into a guarded
 * mailbox (analysis.ts). spec/strategies/dporUrgent.spec.ts checks all of this against
 * breadth-first search. No step of T fails (a failing step
 * is dependent with everything), and T holds no step an invariant can see unless T is every
 * enabled step (visibility: strategies/por/readSet.ts). We try every enabled step as x and keep
 * the smallest T.
 */

/** Sets of actors are bit masks; the strategy refuses systems with more than 32 actors. */
export const MAX_ACTORS = 32;

/** The lowest set bit of a non-zero mask, as an actor index. */
export function lowestActor(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

export function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Who may send to whom, and how many messages a step may send: learnt from every step the search
 * computes, and assumed for the steps it has not (yet) met.
 *
 * An assumption about steps not yet met is checked the way an assume-guarantee argument is: if
 * the assumption is false, some reachable step breaks it; every such step is a *local event*
 * (its outcome depends only on its actor's local state and the message it takes), and a
 * reduction that is sound for every path that respects the assumption still executes some step
 * of every kind that is reachable, because commuting steps moves a step but never removes it
 * (the argument of persistent sets with the cycle proviso, Godefroid 1996, ch. 6). So the search
 * meets a step that breaks the assumption; the topology grows, and the strategy starts over with
 * it. A search that ends without meeting one has been sound throughout.
 */
export class Topology {
  /** Per actor c: the actors c may send to. */
  readonly sendsTo: Int32Array;
  /** Per actor r: the actors that may send to r. */
  readonly sendersOf: Int32Array;
  /** Per actor c: the actors c may send an urgent message to. */
  readonly urgentTo: Int32Array;
  /** Per actor r: the actors that may send an urgent message to r. */
  readonly urgentSendersOf: Int32Array;
  /** The most messages one step has been seen to send. */
  maxSends = 0;
  /** Bumped whenever something is learnt. */
  version = 0;
  /** Edges and bounds added since the strategy last looked ({@link takeChanged}). */
  private changed = false;

  constructor(readonly actorCount: number) {
    this.sendsTo = new Int32Array(actorCount);
    this.sendersOf = new Int32Array(actorCount);
    this.urgentTo = new Int32Array(actorCount);
    this.urgentSendersOf = new Int32Array(actorCount);
  }

  /**
   * Records a step of `actor` that sends to `receivers` (mask), `sends` messages in all, urgent
   * ones to `urgentReceivers`. Returns true if this is more than the topology assumed.
   */
  observe(actor: number, receivers: number, sends: number, urgentReceivers = 0): boolean {
    let grew = false;
    const newTo = receivers & ~(this.sendsTo[actor] as number);
    if (newTo) {
      this.sendsTo[actor] = (this.sendsTo[actor] as number) | newTo;
      for (let m = newTo; m; m &= m - 1) {
        const r = lowestActor(m);
        this.sendersOf[r] = (this.sendersOf[r] as number) | (1 << actor);
      }
      grew = true;
    }
    const newUrgent = urgentReceivers & ~(this.urgentTo[actor] as number);
    if (newUrgent) {
      this.urgentTo[actor] = (this.urgentTo[actor] as number) | newUrgent;
      for (let m = newUrgent; m; m &= m - 1) {
        const r = lowestActor(m);
        this.urgentSendersOf[r] = (this.urgentSendersOf[r] as number) | (1 << actor);
      }
      grew = true;
    }
    if (sends > this.maxSends) {
      // Only the line between "at most one" and "more" matters (see the header).
      if (this.maxSends <= 1 && sends > 1) grew = true;
      this.maxSends = sends;
    }
    if (grew) {
      this.changed = true;
      this.version++;
    }
    return grew;
  }

  /** True once if anything was added since the last call. */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }
}

/** What the relation needs to know about one state: filled by the strategy for each state it expands. */
export interface StateFacts {
  /** Actors with an enabled step. */
  enabled: number;
  /** Enabled actors whose step fails here (assertion, unhandled message, actor error, overflow). */
  failing: number;
  /** Enabled actors whose step an invariant can see. */
  visible: number;
  /** Actors that can still step at all (not in a final state): the others send nothing ever again. */
  live: number;
  /** Per enabled actor: the actors its step sends to (its own index for a self-send). */
  readonly receivers: Int32Array;
  /** Apply rule 3 coarsely: an actor in the set guards its own mailbox. */
  coarseOverflow: boolean;
}

/** What a closure guarded besides its set: the mailboxes no one outside may send into first. */
export interface Closure {
  guarded: number;
}

/**
 * The stubborn set grown from the enabled step of `seed` (see the header), as a mask of actors;
 * or 0 if it would hold a failing or visible step (then it is no reduction) or `limit` steps or
 * more. Leaves the mailboxes it guarded in `closure`.
 */
export function stubbornSet(facts: StateFacts, topology: Topology, seed: number, closure?: Closure, limit = MAX_ACTORS + 1): number {
  const { enabled, receivers, coarseOverflow, live } = facts;
  const forbidden = facts.failing | facts.visible;
  const sendersOf = topology.sendersOf;
  const urgentSendersOf = topology.urgentSendersOf;
  const seedBit = 1 << seed;
  let set = seedBit;
  let size = 1;
  let guarded = (receivers[seed] as number) | (coarseOverflow ? seedBit : 0);
  // Guarded mailboxes whose senders are not yet looked at; actors in the set not yet guarded
  // against urgent messages.
  let pending = guarded;
  let pendingUrgent = seedBit;
  // Disabled actors kept from moving (their mailboxes are guarded).
  let kept = 0;
  let threats = 0;
  while (pending | pendingUrgent) {
    for (; pending; pending &= pending - 1) threats |= sendersOf[lowestActor(pending)] as number;
    for (; pendingUrgent; pendingUrgent &= pendingUrgent - 1) threats |= urgentSendersOf[lowestActor(pendingUrgent)] as number;
    for (let cand = threats & live & ~set & ~kept; cand; cand &= cand - 1) {
      const c = lowestActor(cand);
      const bit = 1 << c;
      if (enabled & bit) {
        // A failing or visible step may not be postponed; a set no smaller than `limit` is no better.
        if (forbidden & bit || ++size >= limit) return 0;
        set |= bit;
        const g = ((receivers[c] as number) | (coarseOverflow ? bit : 0)) & ~guarded;
        guarded |= g;
        pending |= g;
        pendingUrgent |= bit;
      } else {
        kept |= bit;
        if (!(guarded & bit)) {
          guarded |= bit;
          pending |= bit;
        }
      }
    }
  }
  if (closure) closure.guarded = guarded;
  return set;
}

const scratch: Closure = { guarded: 0 };

/**
 * The smallest stubborn set over every enabled, non-failing, invisible seed; every enabled step
 * when none is smaller. `closure` gets what the chosen set guarded (every mailbox, for the full set).
 */
export function smallestStubbornSet(facts: StateFacts, topology: Topology, closure?: Closure): number {
  const all = facts.enabled;
  let best = all;
  let bestSize = popcount(all);
  let bestGuarded = -1;
  for (let seeds = all & ~facts.failing & ~facts.visible; seeds && bestSize > 1; seeds &= seeds - 1) {
    const t = stubbornSet(facts, topology, lowestActor(seeds), scratch, bestSize);
    if (t === 0) continue;
    const size = popcount(t);
    if (size < bestSize) {
      best = t;
      bestSize = size;
      bestGuarded = scratch.guarded;
    }
  }
  if (closure) closure.guarded = bestGuarded;
  return best;
}
