/**
 * Schedules as short, pasteable tokens (shuttle's `serialization.rs` is the model), that say
 * when they no longer fit the model and when they were damaged in copying.
 *
 * A schedule is the sequence of actors that stepped. At each step the token also records the set
 * of enabled actors and a digest of what the step did (the actor's name and the message type it
 * took), so replaying it on a changed model names the first step where the model now behaves
 * differently (DESIGN.md decision 4); the system's fingerprint, so replaying it on another
 * system says so; and a checksum, so a mistyped or truncated token is called corrupt instead of
 * being taken for a changed model.
 *
 * A token may carry several executions: the main one, whose end shows the violation, and
 * evidence executions that replay runs first, through the same checker instances, because the
 * finding rests on what a checker accumulated over them (a lockdep lock-order cycle whose edges
 * come from different runs). The evidence runs from the initial state too, in order, then the
 * main execution.
 *
 * ## API (for checkers with evidence across executions)
 * - {@link encodeSchedule} / {@link decodeSchedule}: a {@link Schedule} to and from the token.
 * - {@link stepDigest}: the per-step digest of (actor name, message type).
 * - To make a token that carries evidence, do not fill {@link Execution}s by hand: give the
 *   evidence paths (actor indices from the initial state) to `runPath(kernel, path, { evidence })`
 *   in replay.ts, or set `Finding.evidence` so the violation recorder does it; `replay()`
 *   replays them before the main path and returns their traces in `evidence`.
 *
 * ## Layout (version 2, printed as `il2_<base64url>`, canonical base64url without padding)
 * ```
 * version byte (2) | varint actor count | 4-byte fingerprint (LE) | varint execution count (>= 1)
 * per execution (main first, then evidence in replay order):
 *   varint step count | 4-byte execution digest (LE)
 *   per step: varint actor index | ceil(actorCount / 8) bytes of enabled mask | 1 byte step digest
 * 4-byte CRC-32 (LE, IEEE 802.3 polynomial) of every byte before it
 * ```
 * The step digest is 8 bits, so one changed step escapes it with probability 1/256; the 32-bit
 * execution digest over every step's (actor, message type) catches that case at the end of the
 * execution (without naming the step). CRC-32 detects every change of up to 32 consecutive bits,
 * so every flipped, added or removed character.
 *
 * Version 1 (`il1_`, before digests and checksums: version byte 1, actor count, fingerprint,
 * step count, then per step the actor and its enabled mask) still decodes, with
 * `version: 1` and no digests; replay then checks only the enabled sets.
 */
import { ModelError } from './errors.js';
import { fnv1a } from './system.js';

/** One execution from the initial state, as a token records it. */
export interface Execution {
  /** The actor index stepped at each step. */
  steps: number[];
  /** The enabled actors (ascending) before each step. */
  enabled: number[][];
  /** Per step, {@link stepDigest} of the actor and the message it took; empty in a version 1 token. */
  digests: number[];
  /** {@link executionDigest} of every step; undefined in a version 1 token. */
  digest?: number;
}

/** The main execution (its fields at the top level) plus its evidence executions. */
export interface Schedule extends Execution {
  /** 2 for `il2_` tokens; 1 for the older `il1_` ones (no digests, no checksum, no evidence). */
  version?: 1 | 2;
  actorCount: number;
  /** The system's fingerprint (actor names and machine ids; see system.ts). */
  fingerprint: number;
  /** Executions replayed before the main one, through the same checkers (empty if none). */
  evidence?: Execution[];
}

/** A token that is malformed, corrupt, or made for a system with another number of actors. */
export class TokenError extends ModelError {}

const PREFIX = 'il2_';
const PREFIX_V1 = 'il1_';
const VERSION = 2;

/** The 8-bit digest of one step: actor `actor` took a message of type `messageType`. */
export function stepDigest(actor: string, messageType: string): number {
  const h = fnv1a(`${actor}\u0000${messageType}`);
  return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff;
}

/** The 32-bit digest of a whole execution: every step's actor and message type, in order. */
export function executionDigest(steps: ReadonlyArray<{ actor: string; messageType: string }>): number {
  return fnv1a(steps.map((s) => `${s.actor}\u0000${s.messageType}`).join('\u0001'));
}

/** The token of `s`. Every execution needs its `digests` (one per step) and `digest`. */
export function encodeSchedule(s: Schedule): string {
  const bytes: number[] = [VERSION];
  pushVarint(bytes, s.actorCount);
  pushUint32(bytes, s.fingerprint);
  const executions = [s, ...(s.evidence ?? [])];
  pushVarint(bytes, executions.length);
  const maskBytes = Math.ceil(s.actorCount / 8);
  for (const e of executions) {
    pushVarint(bytes, e.steps.length);
    pushUint32(bytes, e.digest ?? 0);
    e.steps.forEach((actor, i) => {
      pushVarint(bytes, actor);
      const mask = new Array<number>(maskBytes).fill(0);
      for (const a of e.enabled[i] ?? []) mask[a >> 3] = (mask[a >> 3] as number) | (1 << (a & 7));
      bytes.push(...mask, (e.digests[i] ?? 0) & 0xff);
    });
  }
  pushUint32(bytes, crc32(bytes));
  return PREFIX + toBase64Url(bytes);
}

/**
 * Decodes a token (`il2_`, or the older `il1_`). Throws {@link ModelError} saying whether it is
 * corrupt (its checksum or encoding does not hold: damaged in copying) or malformed (not a token).
 */
export function decodeSchedule(token: string): Schedule {
  const shown = `replay token '${shorten(token)}'`;
  const bad = (why: string): ModelError => new TokenError(`${shown} is malformed: ${why}`);
  const corrupt = (why: string): ModelError =>
    new TokenError(`${shown} is corrupt: ${why}; it was changed, cut or mistyped in copying: copy it again from the report (or run explore again)`);
  const v1 = token.startsWith(PREFIX_V1);
  if (!v1 && !token.startsWith(PREFIX)) {
    const prefix = /^il\d+_/.exec(token)?.[0];
    throw bad(prefix ? `its prefix '${prefix}' is of a version this interleave does not read (it reads '${PREFIX}' and '${PREFIX_V1}')` : `it should start with '${PREFIX}'`);
  }
  const text = token.slice(PREFIX.length);
  const badChar = [...text].findIndex((c) => !ALPHABET.includes(c));
  if (badChar >= 0) {
    const c = [...text][badChar] as string;
    const what = /[\x20-\x7e]/.test(c) ? `'${c}'` : `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw (v1 ? bad : corrupt)(`character ${badChar + 1} after the prefix, ${what}, is not base64url (A-Z a-z 0-9 - _)`);
  }
  const bytes = fromBase64Url(text);
  if (bytes === undefined) throw (v1 ? bad : corrupt)(`its length (${text.length} characters after the prefix) or its last character is not valid base64url`);
  if (v1) return decodeV1(bytes, bad);
  if (bytes.length < 5) throw corrupt('it is too short to hold a checksum');
  const body = bytes.slice(0, -4);
  const sum = readUint32(bytes, bytes.length - 4);
  if (crc32(body) !== sum) throw corrupt('its checksum does not match');

  const r = reader(body, bad);
  const version = r.byte();
  if (version !== VERSION) throw bad(`version byte ${version} is not ${VERSION}`);
  const actorCount = r.varint();
  const fingerprint = r.uint32();
  const count = r.varint();
  if (count < 1) throw bad('it holds no execution');
  const maskBytes = Math.ceil(actorCount / 8);
  const executions: Execution[] = [];
  for (let x = 0; x < count; x++) {
    const length = r.varint();
    const digest = r.uint32();
    const e: Execution = { steps: [], enabled: [], digests: [], digest };
    const where = (i: number): string => (x === 0 ? `step ${i + 1}` : `step ${i + 1} of evidence execution ${x}`);
    for (let i = 0; i < length; i++) {
      const actor = r.varint();
      if (actor >= actorCount) throw bad(`${where(i)} names actor #${actor} of ${actorCount}`);
      e.steps.push(actor);
      e.enabled.push(r.mask(maskBytes));
      e.digests.push(r.byte());
    }
    executions.push(e);
  }
  r.end();
  const [main, ...evidence] = executions as [Execution, ...Execution[]];
  return { version: 2, actorCount, fingerprint, ...main, evidence };
}

function decodeV1(bytes: number[], bad: (why: string) => ModelError): Schedule {
  const r = reader(bytes, bad);
  const version = r.byte();
  if (version !== 1) throw bad(`version byte ${version} is not 1`);
  const actorCount = r.varint();
  const fingerprint = r.uint32();
  const count = r.varint();
  const maskBytes = Math.ceil(actorCount / 8);
  const steps: number[] = [];
  const enabled: number[][] = [];
  for (let i = 0; i < count; i++) {
    const actor = r.varint();
    if (actor >= actorCount) throw bad(`step ${i + 1} names actor #${actor} of ${actorCount}`);
    steps.push(actor);
    enabled.push(r.mask(maskBytes));
  }
  r.end();
  return { version: 1, actorCount, fingerprint, steps, enabled, digests: [], evidence: [] };
}

function reader(bytes: readonly number[], bad: (why: string) => ModelError) {
  let at = 0;
  const byte = (): number => {
    if (at >= bytes.length) throw bad('it ends early');
    return bytes[at++] as number;
  };
  return {
    byte,
    varint(): number {
      let value = 0;
      for (let shift = 0; shift < 35; shift += 7) {
        const b = byte();
        value += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) return value;
      }
      throw bad('a number in it is too long');
    },
    uint32: (): number => (byte() | (byte() << 8) | (byte() << 16) | (byte() << 24)) >>> 0,
    mask(maskBytes: number): number[] {
      const set: number[] = [];
      for (let m = 0; m < maskBytes; m++) {
        const b = byte();
        for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) set.push(m * 8 + bit);
      }
      return set;
    },
    end(): void {
      if (at !== bytes.length) throw bad(`${bytes.length - at} bytes follow the last step`);
    },
  };
}

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function pushUint32(out: number[], value: number): void {
  out.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

function readUint32(bytes: readonly number[], at: number): number {
  return ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) >>> 0;
}

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib and PNG compute it. */
export function crc32(bytes: readonly number[]): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function toBase64Url(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2];
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)];
    if (b1 !== undefined) out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)];
    if (b2 !== undefined) out += ALPHABET[b2 & 63];
  }
  return out;
}

/**
 * The bytes of canonical base64url `text` (only alphabet characters), or undefined when its
 * length cannot be base64 or its last character has bits set that encode nothing: such a text is
 * not what `toBase64Url` writes, so it was changed after.
 */
function fromBase64Url(text: string): number[] | undefined {
  const values = [...text].map((c) => ALPHABET.indexOf(c));
  if (values.length % 4 === 1) return undefined;
  const out: number[] = [];
  for (let i = 0; i < values.length; i += 4) {
    const [c0, c1, c2, c3] = [values[i] as number, values[i + 1] as number, values[i + 2], values[i + 3]];
    out.push(((c0 << 2) | (c1 >> 4)) & 0xff);
    if (c2 !== undefined) out.push(((c1 & 15) << 4) | (c2 >> 2));
    if (c3 !== undefined && c2 !== undefined) out.push(((c2 & 3) << 6) | c3);
  }
  return toBase64Url(out) === text ? out : undefined;
}

function shorten(token: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = token.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 37)}...` : printable;
}
