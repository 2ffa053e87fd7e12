/**
 * Schedules as short, pasteable tokens (shuttle's `serialization.rs` is the model).
 *
 * A schedule is the sequence of actors that stepped. The token also records, at each step, the
 * set of enabled actors, so that replaying it on a changed model can name the first step where
 * the model now behaves differently (DESIGN.md decision 4), and the system's fingerprint, so
 * that replaying it on another system says so.
 *
 * Layout before base64url: version byte (1), varint actor count, 4-byte fingerprint, varint
 * step count, then per step a varint actor index and ceil(actorCount / 8) bytes of enabled mask.
 * Printed as `il1_<base64url>`.
 */
import { ModelError } from './errors.js';

export interface Schedule {
  actorCount: number;
  fingerprint: number;
  /** The actor index stepped at each step. */
  steps: number[];
  /** The enabled actors (ascending) before each step. */
  enabled: number[][];
}

const PREFIX = 'il1_';
const VERSION = 1;

export function encodeSchedule(s: Schedule): string {
  const bytes: number[] = [VERSION];
  pushVarint(bytes, s.actorCount);
  bytes.push(s.fingerprint & 0xff, (s.fingerprint >>> 8) & 0xff, (s.fingerprint >>> 16) & 0xff, (s.fingerprint >>> 24) & 0xff);
  pushVarint(bytes, s.steps.length);
  const maskBytes = Math.ceil(s.actorCount / 8);
  s.steps.forEach((actor, i) => {
    pushVarint(bytes, actor);
    const mask = new Array<number>(maskBytes).fill(0);
    for (const a of s.enabled[i] ?? []) mask[a >> 3] = (mask[a >> 3] as number) | (1 << (a & 7));
    bytes.push(...mask);
  });
  return PREFIX + toBase64Url(bytes);
}

/** Decodes a token; throws {@link ModelError} saying what is malformed. */
export function decodeSchedule(token: string): Schedule {
  const bad = (why: string): ModelError => new ModelError(`replay token '${shorten(token)}' is malformed: ${why}`);
  if (!token.startsWith(PREFIX)) throw bad(`it should start with '${PREFIX}'`);
  let bytes: number[];
  try {
    bytes = fromBase64Url(token.slice(PREFIX.length));
  } catch {
    throw bad('it is not base64url after the prefix');
  }
  let at = 0;
  const byte = (): number => {
    if (at >= bytes.length) throw bad('it ends early');
    return bytes[at++] as number;
  };
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw bad('a number in it is too long');
  };
  const version = byte();
  if (version !== VERSION) throw bad(`version ${version} is not ${VERSION}`);
  const actorCount = varint();
  const fingerprint = (byte() | (byte() << 8) | (byte() << 16) | (byte() << 24)) >>> 0;
  const count = varint();
  const maskBytes = Math.ceil(actorCount / 8);
  const steps: number[] = [];
  const enabled: number[][] = [];
  for (let i = 0; i < count; i++) {
    const actor = varint();
    if (actor >= actorCount) throw bad(`step ${i + 1} names actor #${actor} of ${actorCount}`);
    steps.push(actor);
    const set: number[] = [];
    for (let m = 0; m < maskBytes; m++) {
      const b = byte();
      for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) set.push(m * 8 + bit);
    }
    enabled.push(set);
  }
  if (at !== bytes.length) throw bad(`${bytes.length - at} bytes follow the last step`);
  return { actorCount, fingerprint, steps, enabled };
}

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function toBase64Url(bytes: number[]): string {
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

function fromBase64Url(text: string): number[] {
  const values = [...text].map((c) => {
    const v = ALPHABET.indexOf(c);
    if (v < 0) throw new Error(`bad character ${c}`);
    return v;
  });
  if (values.length % 4 === 1) throw new Error('bad length');
  const out: number[] = [];
  for (let i = 0; i < values.length; i += 4) {
    const [c0, c1, c2, c3] = [values[i] as number, values[i + 1] as number, values[i + 2], values[i + 3]];
    out.push((c0 << 2) | (c1 >> 4));
    if (c2 !== undefined) out.push(((c1 & 15) << 4) | (c2 >> 2));
    if (c3 !== undefined && c2 !== undefined) out.push(((c2 & 3) << 6) | c3);
  }
  return out;
}

function shorten(token: string): string {
  return token.length > 40 ? `${token.slice(0, 37)}...` : token;
}
