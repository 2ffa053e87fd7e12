/**
 * The Linux kernel memory model's litmus tests (torvalds/linux, tools/memory-model/litmus-tests),
 * transcribed as protocols/litmus.ts models: the shapes MP, SB, LB, WRC, IRIW, ISA2, R, S and
 * the coherence tests, with every variant the directory has (plain `*onceonces`, full fences,
 * release/acquire, locks, dependencies), plus the Z6.0 tests, where Armv8 and LKMM disagree.
 *
 * `expected` is the "Result:" annotation of the kernel's file (LKMM's answer to "can the
 * `exists` clause happen?"); `source` names the file and the commit it was read at. Where
 * Armv8's answer differs, `arm` gives it and says why. {@link OUT_OF_SCOPE} lists what the
 * operational model cannot express, with the reason; {@link RENAMED} the older file names of
 * tests listed here under their current names. 2+2W has no file in the kernel's directory:
 * {@link ARMV8_ONLY} states it with Armv8's answers (Pulte et al., POPL 2018).
 */
import { L, type LitmusTest } from '../../protocols/litmus.js';

const dir = 'torvalds/linux tools/memory-model/litmus-tests';
const at = (file: string, commit: string): string => `${dir}/${file}.litmus @ ${commit.slice(0, 12)}`;

const {
  WRITE_ONCE: W,
  READ_ONCE: R,
  smp_store_release: Wrel,
  smp_load_acquire: Racq,
  smp_mb: mb,
  smp_rmb: rmb,
  smp_wmb: wmb,
  spin_lock: lock,
  spin_unlock: unlock,
} = L;

/** Two or more links that are not reads-from: LKMM allows, Armv8 (other-multicopy-atomic) forbids. */
const MCA =
  'Armv8 is other-multicopy-atomic: the release/lock chain orders x=1 before z=1 for every observer, z=1 is coherence-before z=2, and P2 orders its store of z before its load of x with a full barrier, so the cycle is forbidden (an ob cycle in the Armv8 axiomatic model); LKMM allows it because Power is not multicopy-atomic';

export const LKMM_TESTS: LitmusTest[] = [
  // ---- MP: one CPU writes data then a flag, the other reads the flag then the data.
  {
    name: 'MP+poonceonces',
    source: at('MP+poonceonces', '0b77b97066628deef03a6eac7b29e5c3756f4ab0'),
    expected: 'Sometimes',
    threads: [
      [W('x', 1), W('y', 1)],
      [R('y', 'r0'), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, '1:r1': 0 },
  },
  {
    name: 'MP+fencewmbonceonce+fencermbonceonce',
    source: at('MP+fencewmbonceonce+fencermbonceonce', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Never',
    threads: [
      [W('x', 1), wmb(), W('y', 1)],
      [R('y', 'r0'), rmb(), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, '1:r1': 0 },
  },
  {
    name: 'MP+pooncerelease+poacquireonce',
    source: at('MP+pooncerelease+poacquireonce', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Never',
    threads: [
      [W('x', 1), Wrel('y', 1)],
      [Racq('y', 'r0'), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, '1:r1': 0 },
  },
  {
    // y points at z initially; P0 initialises x and publishes &x in y; P1 follows the pointer.
    name: 'MP+onceassign+derefonce',
    source: at('MP+onceassign+derefonce', '0b77b97066628deef03a6eac7b29e5c3756f4ab0'),
    expected: 'Never',
    init: { y: 'z', z: 0 },
    threads: [
      [W('x', 1), L.rcu_assign_pointer('y', 'x')],
      [L.rcu_dereference('y', 'r0'), L.READ_ONCE_AT('r0', 'r1')],
    ],
    exists: { '1:r0': 'x', '1:r1': 0 },
  },
  {
    name: 'MP+polocks',
    source: at('MP+polocks', '0b77b97066628deef03a6eac7b29e5c3756f4ab0'),
    expected: 'Never',
    threads: [
      [W('x', 1), lock('mylock'), W('y', 1), unlock('mylock')],
      [lock('mylock'), R('y', 'r0'), unlock('mylock'), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, '1:r1': 0 },
  },
  {
    name: 'MP+porevlocks',
    source: at('MP+porevlocks', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Never',
    threads: [
      [R('y', 'r0'), lock('mylock'), R('x', 'r1'), unlock('mylock')],
      [lock('mylock'), W('x', 1), unlock('mylock'), W('y', 1)],
    ],
    exists: { '0:r0': 1, '0:r1': 0 },
  },
  {
    name: 'MP+unlocklockonceonce+fencermbonceonce',
    source: at('MP+unlocklockonceonce+fencermbonceonce', '9695e7a856bf28aa4f9a0ac48a4a283c62546525'),
    expected: 'Never',
    threads: [
      [lock('s'), W('x', 1), unlock('s'), lock('t'), W('y', 1), unlock('t')],
      [R('y', 'r1'), rmb(), R('x', 'r2')],
    ],
    exists: { '1:r1': 1, '1:r2': 0 },
  },
  // ---- SB: each CPU writes one variable then reads the other.
  {
    name: 'SB+poonceonces',
    source: at('SB+poonceonces', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Sometimes',
    threads: [
      [W('x', 1), R('y', 'r0')],
      [W('y', 1), R('x', 'r0')],
    ],
    exists: { '0:r0': 0, '1:r0': 0 },
  },
  {
    name: 'SB+fencembonceonces',
    source: at('SB+fencembonceonces', '2cc2c3cb54de578666d905537e4c15969caf0dc5'),
    expected: 'Never',
    threads: [
      [W('x', 1), mb(), R('y', 'r0')],
      [W('y', 1), mb(), R('x', 'r0')],
    ],
    exists: { '0:r0': 0, '1:r0': 0 },
  },
  {
    // Each CPU reads its own store back (store forwarding) before reading the other's.
    name: 'SB+rfionceonce-poonceonces',
    source: at('SB+rfionceonce-poonceonces', '3a51bdb8ea5fca736f874defa20103926cd22d51'),
    expected: 'Sometimes',
    threads: [
      [W('x', 1), R('x', 'r1'), R('y', 'r2')],
      [W('y', 1), R('y', 'r3'), R('x', 'r4')],
    ],
    exists: { '0:r2': 0, '1:r4': 0 },
  },
  // ---- LB: each CPU reads one variable then writes the other.
  {
    name: 'LB+poonceonces',
    source: at('LB+poonceonces', '281a94b0f2f0775a2b7825c18bccf7e4c922b7b3'),
    expected: 'Sometimes',
    threads: [
      [R('x', 'r0'), W('y', 1)],
      [R('y', 'r0'), W('x', 1)],
    ],
    exists: { '0:r0': 1, '1:r0': 1 },
  },
  {
    name: 'LB+poacquireonce+pooncerelease',
    source: at('LB+poacquireonce+pooncerelease', '0b77b97066628deef03a6eac7b29e5c3756f4ab0'),
    expected: 'Never',
    threads: [
      [R('x', 'r0'), Wrel('y', 1)],
      [Racq('y', 'r0'), W('x', 1)],
    ],
    exists: { '0:r0': 1, '1:r0': 1 },
  },
  {
    // P0's store is under `if (r0)`: a control dependency.
    name: 'LB+fencembonceonce+ctrlonceonce',
    source: at('LB+fencembonceonce+ctrlonceonce', '10205618052908770451acd33eaeaa7685e97ed2'),
    expected: 'Never',
    threads: [
      [R('x', 'r0'), L.if('r0', [W('y', 1)])],
      [R('y', 'r0'), mb(), W('x', 1)],
    ],
    exists: { '0:r0': 1, '1:r0': 1 },
  },
  {
    name: 'LB+unlocklockonceonce+poacquireonce',
    source: at('LB+unlocklockonceonce+poacquireonce', '0cfa80d3c398c747f9d502f5812465b082ad675a'),
    expected: 'Never',
    threads: [
      [lock('s'), R('x', 'r1'), unlock('s'), lock('t'), W('y', 1), unlock('t')],
      [Racq('y', 'r2'), W('x', 1)],
    ],
    exists: { '0:r1': 1, '1:r2': 1 },
  },
  // ---- WRC: MP with the first write moved to a third CPU.
  {
    name: 'WRC+poonceonces+Once',
    source: at('WRC+poonceonces+Once', '84a83eba5c5aba8d3186830f94ee5c3c8b0ef23e'),
    expected: 'Sometimes',
    threads: [[W('x', 1)], [R('x', 'r0'), W('y', 1)], [R('y', 'r0'), R('x', 'r1')]],
    exists: { '1:r0': 1, '2:r0': 1, '2:r1': 0 },
  },
  {
    name: 'WRC+pooncerelease+fencermbonceonce+Once',
    source: at('WRC+pooncerelease+fencermbonceonce+Once', '0b435c7a692b5387cc4768be36dad4d2c4626e1e'),
    expected: 'Never',
    threads: [[W('x', 1)], [R('x', 'r0'), Wrel('y', 1)], [R('y', 'r0'), rmb(), R('x', 'r1')]],
    exists: { '1:r0': 1, '2:r0': 1, '2:r1': 0 },
  },
  // ---- IRIW: two readers must agree on the order of two independent writes?
  {
    name: 'IRIW+poonceonces+OnceOnce',
    source: at('IRIW+poonceonces+OnceOnce', 'b7e1a1e9ae490a2a35376ad22b1d1fe779667bbf'),
    expected: 'Sometimes',
    threads: [[W('x', 1)], [R('x', 'r0'), R('y', 'r1')], [W('y', 1)], [R('y', 'r0'), R('x', 'r1')]],
    exists: { '1:r0': 1, '1:r1': 0, '3:r0': 1, '3:r1': 0 },
  },
  {
    name: 'IRIW+fencembonceonces+OnceOnce',
    source: at('IRIW+fencembonceonces+OnceOnce', '55b024554aae776e18c5666d7ac20c53c014a680'),
    expected: 'Never',
    threads: [[W('x', 1)], [R('x', 'r0'), mb(), R('y', 'r1')], [W('y', 1)], [R('y', 'r0'), mb(), R('x', 'r1')]],
    exists: { '1:r0': 1, '1:r1': 0, '3:r0': 1, '3:r1': 0 },
  },
  // ---- ISA2: a chain of three CPUs.
  {
    name: 'ISA2+poonceonces',
    source: at('ISA2+poonceonces', '8c1dccc80380fca8db09c2a81f5deb3c49b112b2'),
    expected: 'Sometimes',
    threads: [[W('x', 1), W('y', 1)], [R('y', 'r0'), W('z', 1)], [R('z', 'r0'), R('x', 'r1')]],
    exists: { '1:r0': 1, '2:r0': 1, '2:r1': 0 },
  },
  {
    name: 'ISA2+pooncerelease+poacquirerelease+poacquireonce',
    source: at('ISA2+pooncerelease+poacquirerelease+poacquireonce', '2555693dd85c7a726eed570736bf6e1c4c7116ed'),
    expected: 'Never',
    threads: [[W('x', 1), Wrel('y', 1)], [Racq('y', 'r0'), Wrel('z', 1)], [Racq('z', 'r0'), R('x', 'r1')]],
    exists: { '1:r0': 1, '2:r0': 1, '2:r1': 0 },
  },
  {
    name: 'ISA2+pooncelock+pooncelock+pombonce',
    source: at('ISA2+pooncelock+pooncelock+pombonce', '2313f4700327fb7d6aa3989edfa5bffcd7080d36'),
    expected: 'Never',
    threads: [
      [lock('mylock'), W('x', 1), W('y', 1), unlock('mylock')],
      [lock('mylock'), R('y', 'r0'), W('z', 1), unlock('mylock')],
      [R('z', 'r2'), mb(), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, '2:r2': 1, '2:r1': 0 },
  },
  // ---- R: a store-store pair against a store-load pair.
  {
    name: 'R+poonceonces',
    source: at('R+poonceonces', '84a83eba5c5aba8d3186830f94ee5c3c8b0ef23e'),
    expected: 'Sometimes',
    threads: [
      [W('x', 1), W('y', 1)],
      [W('y', 2), R('x', 'r0')],
    ],
    exists: { y: 2, '1:r0': 0 },
  },
  {
    name: 'R+fencembonceonces',
    source: at('R+fencembonceonces', '9d4d8572a539ef807e21c196f145aa365fd52f0e'),
    expected: 'Never',
    threads: [
      [W('x', 1), mb(), W('y', 1)],
      [W('y', 2), mb(), R('x', 'r0')],
    ],
    exists: { y: 2, '1:r0': 0 },
  },
  // ---- S: a store-store pair against a load-store pair.
  {
    name: 'S+poonceonces',
    source: at('S+poonceonces', '101cfc9f787d8ca22866a178f2c1684fb10f8c7a'),
    expected: 'Sometimes',
    threads: [
      [W('x', 2), W('y', 1)],
      [R('y', 'r0'), W('x', 1)],
    ],
    exists: { x: 2, '1:r0': 1 },
  },
  {
    name: 'S+fencewmbonceonce+poacquireonce',
    source: at('S+fencewmbonceonce+poacquireonce', '9d4d8572a539ef807e21c196f145aa365fd52f0e'),
    expected: 'Never',
    threads: [
      [W('x', 2), wmb(), W('y', 1)],
      [Racq('y', 'r0'), W('x', 1)],
    ],
    exists: { x: 2, '1:r0': 1 },
  },
  // ---- Coherence: accesses to one variable.
  {
    name: 'CoRR+poonceonce+Once',
    source: at('CoRR+poonceonce+Once', '2cc2c3cb54de578666d905537e4c15969caf0dc5'),
    expected: 'Never',
    threads: [[W('x', 1)], [R('x', 'r0'), R('x', 'r1')]],
    exists: { '1:r0': 1, '1:r1': 0 },
  },
  {
    name: 'CoRW+poonceonce+Once',
    source: at('CoRW+poonceonce+Once', '84a83eba5c5aba8d3186830f94ee5c3c8b0ef23e'),
    expected: 'Never',
    threads: [[R('x', 'r0'), W('x', 1)], [W('x', 2)]],
    exists: { x: 2, '0:r0': 2 },
  },
  {
    name: 'CoWR+poonceonce+Once',
    source: at('CoWR+poonceonce+Once', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Never',
    threads: [[W('x', 1), R('x', 'r0')], [W('x', 2)]],
    exists: { x: 1, '0:r0': 2 },
  },
  {
    name: 'CoWW+poonceonce',
    source: at('CoWW+poonceonce', 'cbecf716ca618fd44feda6bd9a64a8179d031fc5'),
    expected: 'Never',
    threads: [[W('x', 1), W('x', 2)]],
    exists: { x: 1 },
  },
  // ---- Z6.0: a chain through a coherence link, observed by a third CPU.
  {
    name: 'Z6.0+pooncelock+pooncelock+pombonce',
    source: at('Z6.0+pooncelock+pooncelock+pombonce', 'd0034a7a4ac7fae708146ac0059b9c47a1543f0d'),
    expected: 'Sometimes',
    threads: [
      [lock('mylock'), W('x', 1), W('y', 1), unlock('mylock')],
      [lock('mylock'), R('y', 'r0'), W('z', 1), unlock('mylock')],
      [W('z', 2), mb(), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, z: 2, '2:r1': 0 },
    arm: { expected: 'Never', why: MCA },
  },
  {
    name: 'Z6.0+pooncelock+poonceLock+pombonce',
    source: at('Z6.0+pooncelock+poonceLock+pombonce', '552c69b36ebd966186573b9c7a286b390935cce1'),
    expected: 'Never',
    threads: [
      [lock('mylock'), W('x', 1), W('y', 1), unlock('mylock')],
      [lock('mylock'), L.smp_mb__after_spinlock(), R('y', 'r0'), W('z', 1), unlock('mylock')],
      [W('z', 2), mb(), R('x', 'r1')],
    ],
    exists: { '1:r0': 1, z: 2, '2:r1': 0 },
  },
  {
    name: 'Z6.0+pooncerelease+poacquirerelease+fencembonceonce',
    source: at('Z6.0+pooncerelease+poacquirerelease+fencembonceonce', '0a3173a5f09bc58a3638ecfd0a80bdbae55e123c'),
    expected: 'Sometimes',
    threads: [[W('x', 1), Wrel('y', 1)], [Racq('y', 'r0'), Wrel('z', 1)], [W('z', 2), mb(), R('x', 'r1')]],
    exists: { '1:r0': 1, z: 2, '2:r1': 0 },
    arm: { expected: 'Never', why: MCA },
  },
];

/**
 * 2+2W (each CPU writes two variables in opposite orders; can both first writes win?) has no
 * file in the kernel's directory at the revision read. Its Armv8 answers: allowed with no
 * ordering (stores to different locations may reach memory in either order), forbidden with
 * smp_wmb() on both sides (dmb ishst orders them; the coherence cycle is an ob cycle).
 */
export const ARMV8_ONLY: LitmusTest[] = [
  {
    name: '2+2W+poonceonces',
    source: 'no kernel file; Armv8 answer (Pulte et al., POPL 2018: stores to different locations are not ordered)',
    expected: 'Sometimes',
    threads: [
      [W('x', 1), W('y', 2)],
      [W('y', 1), W('x', 2)],
    ],
    exists: { x: 1, y: 1 },
  },
  {
    name: '2+2W+fencewmbonceonces',
    source: 'no kernel file; Armv8 answer (dmb ishst between the stores on both CPUs forbids the cycle)',
    expected: 'Never',
    threads: [
      [W('x', 1), wmb(), W('y', 2)],
      [W('y', 1), wmb(), W('x', 2)],
    ],
    exists: { x: 1, y: 1 },
  },
];

/** Tests of these shapes the operational model cannot express, and why. */
export const OUT_OF_SCOPE: Array<{ name: string; source: string; expected: 'Never' | 'Sometimes'; why: string }> = [
  {
    name: 'MP+polockonce+poacquiresilsil',
    source: at('MP+polockonce+poacquiresilsil', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Sometimes',
    why: "spin_is_locked() reads the lock word; here a lock is an actor (protocols/spinlock.ts), not a word in memory, so the store that takes the lock cannot become visible after the critical section's stores as Armv8's LDAXR/STXR allows: the model would answer Never",
  },
  {
    name: 'MP+polockmbonce+poacquiresilsil',
    source: at('MP+polockmbonce+poacquiresilsil', '1947bfcf81a905e84a58b423063e81034a90efed'),
    expected: 'Never',
    why: 'spin_is_locked(), as above: the test is about when the lock word becomes visible, which the model does not represent',
  },
  {
    name: 'dep+plain',
    source: at('dep+plain', '0604aa87b098740f2e517a584552591cbf2209d7'),
    expected: 'Never',
    why: 'plain (unmarked) C accesses: LKMM gives them their own rules (data races, dependencies through them); the model has only marked accesses (READ_ONCE, WRITE_ONCE and the ordered operations). Not one of the shapes issue 17 names',
  },
];

/** Every file name in the kernel's directory at the revision read (README and .gitignore aside). */
export const KERNEL_FILES: readonly string[] = [
  'CoRR+poonceonce+Once', 'CoRW+poonceonce+Once', 'CoWR+poonceonce+Once', 'CoWW+poonceonce',
  'IRIW+fencembonceonces+OnceOnce', 'IRIW+mbonceonces+OnceOnce', 'IRIW+poonceonces+OnceOnce',
  'ISA2+pooncelock+pooncelock+pombonce', 'ISA2+poonceonces', 'ISA2+pooncerelease+poacquirerelease+poacquireonce',
  'LB+ctrlonceonce+mbonceonce', 'LB+fencembonceonce+ctrlonceonce', 'LB+poacquireonce+pooncerelease', 'LB+poonceonces', 'LB+unlocklockonceonce+poacquireonce',
  'MP+fencewmbonceonce+fencermbonceonce', 'MP+onceassign+derefonce', 'MP+polockmbonce+poacquiresilsil', 'MP+polockonce+poacquiresilsil',
  'MP+polocks', 'MP+poonceonces', 'MP+pooncerelease+poacquireonce', 'MP+porevlocks', 'MP+unlocklockonceonce+fencermbonceonce', 'MP+wmbonceonce+rmbonceonce',
  'R+fencembonceonces', 'R+mbonceonces', 'R+poonceonces',
  'S+fencewmbonceonce+poacquireonce', 'S+poonceonces', 'S+wmbonceonce+poacquireonce',
  'SB+fencembonceonces', 'SB+mbonceonces', 'SB+poonceonces', 'SB+rfionceonce-poonceonces',
  'WRC+poonceonces+Once', 'WRC+pooncerelease+fencermbonceonce+Once', 'WRC+pooncerelease+rmbonceonce+Once',
  'Z6.0+pooncelock+poonceLock+pombonce', 'Z6.0+pooncelock+pooncelock+pombonce',
  'Z6.0+pooncerelease+poacquirerelease+fencembonceonce', 'Z6.0+pooncerelease+poacquirerelease+mbonceonce',
  'dep+plain',
];

/** Older file names of tests above (the kernel renamed them; same threads, same answer). */
export const RENAMED: Record<string, string> = {
  'SB+mbonceonces': 'SB+fencembonceonces',
  'R+mbonceonces': 'R+fencembonceonces',
  'IRIW+mbonceonces+OnceOnce': 'IRIW+fencembonceonces+OnceOnce',
  'MP+wmbonceonce+rmbonceonce': 'MP+fencewmbonceonce+fencermbonceonce',
  'S+wmbonceonce+poacquireonce': 'S+fencewmbonceonce+poacquireonce',
  'WRC+pooncerelease+rmbonceonce+Once': 'WRC+pooncerelease+fencermbonceonce+Once',
  'LB+ctrlonceonce+mbonceonce': 'LB+fencembonceonce+ctrlonceonce',
  'Z6.0+pooncerelease+poacquirerelease+mbonceonce': 'Z6.0+pooncerelease+poacquirerelease+fencembonceonce',
};

/** Every test the spec runs: the kernel's, then the Armv8-only ones. */
export const ALL_LITMUS: LitmusTest[] = [...LKMM_TESTS, ...ARMV8_ONLY];

/** A test by name (the CLI model file's LITMUS variable). */
export function litmusByName(name: string): LitmusTest | undefined {
  return ALL_LITMUS.find((t) => t.name === name);
}
