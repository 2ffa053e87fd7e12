/**
 * `interleave-explorer/protocols` (protocols/index.ts) re-exports every protocol module, so a
 * protocol added to protocols/ is in the package's API too (tsc rejects two modules exporting
 * one name differently, which `export *` would otherwise drop silently).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as protocols from '../../protocols/index.js';
import { calls, lockGuard, straightLineCpu } from '../../protocols/program.js';
import { spinlockMachine } from '../../protocols/spinlock.js';

const dir = fileURLToPath(new URL('../../protocols/', import.meta.url));

describe('protocols/index.ts', () => {
  it('should re-export every module of protocols/', () => {
    const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => `./${f.replace(/\.ts$/, '.js')}`).sort();
    const exported = [...readFileSync(`${dir}index.ts`, 'utf8').matchAll(/^export \* from '([^']+)';$/gm)].map((m) => m[1]).sort();
    expect(exported).toEqual(modules);
  });

  it('should give the same bindings as the modules themselves', () => {
    expect(protocols.calls).toBe(calls);
    expect(protocols.lockGuard).toBe(lockGuard);
    expect(protocols.straightLineCpu).toBe(straightLineCpu);
    expect(protocols.spinlockMachine).toBe(spinlockMachine);
  });
});
