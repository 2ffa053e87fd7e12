/**
 * The docs say what the code does: every transcript (`$ npx interleave ...` block) and generated
 * block in README.md and docs/ is run and compared with what is pasted, times, rates and memory
 * masked (tools/docs.ts). When one fails, `npm run docs:paste` re-pastes it.
 * Also: the README stays a front door (about 400 lines), and relative links point at files
 * that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STRATEGY_NAMES } from '../runtime/strategies/index.js';
import { ROOT, docFiles, findBlocks, generate, mask, where } from '../tools/docs.js';
import { sectionSteps } from '../tools/packCheck.js';

const files = docFiles();
const text = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

describe('pasted outputs in README.md and docs/', () => {
  const blocks = files.flatMap((file) => findBlocks(file, text(file)));

  it('should find the transcripts (a parser that finds none would pass vacuously)', () => {
    const transcripts = blocks.filter((b) => b.kind === 'transcript');
    expect(transcripts.length).toBeGreaterThanOrEqual(10);
    expect(blocks.some((b) => b.kind === 'file')).toBe(true);
    expect(blocks.some((b) => b.kind === 'matcher-failure')).toBe(true);
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(5);
  });

  for (const block of blocks) {
    const title = block.kind === 'transcript' ? `${where(block)}: $ ${block.commands.join('; $ ')}` : `${where(block)}: ${block.kind}`;
    // Side by side: the catalogue run takes longest, the rest fit around it.
    it.concurrent(`should match what is pasted at ${title}`, async () => {
      const current = text(block.file).split('\n').slice(block.from, block.to);
      const now = await generate(block, current);
      // On a mismatch, the diff shows the masked lines; `npm run docs:paste` fixes the file.
      expect(mask(current).join('\n'), `${where(block)} is out of date: run npm run docs:paste`).toBe(mask(now).join('\n'));
    });
  }
});

describe('the masks', () => {
  it('should hide times, rates, memory and decimals, and nothing else', () => {
    expect(mask(['x: verified (54 states, 70 transitions, max depth 14, 15 ms, strategy bfs)'])).toEqual(['x: verified (54 states, 70 transitions, max depth 14, <time>, strategy bfs)']);
    expect(mask(['1,234 states  56,789 states/s  depth 3  0 violations  1.5 s  120 MB'])).toEqual(['1,234 states <rate> depth 3 0 violations <time> <size>']);
    expect(mask(['C1        buggy    2 guests   40   52     15.6   7  il1_AQQP'])).toEqual(mask(['C1 buggy 2 guests 40 52 1234.5 7 il1_AQQP']));
    expect(mask(['progress: 5,000 states'])).toEqual([]);
    expect(mask(['C1 buggy 2 guests 40 52 15.6 7 il1_AQQP'])).not.toEqual(mask(['C1 buggy 2 guests 41 52 15.6 7 il1_AQQP']));
  });
});

describe('docs/cli.md', () => {
  it("should describe exactly the engine registry's strategies", () => {
    const section = text('docs/cli.md').split('### Strategies')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...STRATEGY_NAMES]);
  });
});

describe('docs/writing-models.md', () => {
  it('should list every straight-line call of protocols/program.ts', async () => {
    const { calls } = await import('../protocols/program.js');
    const page = text('docs/writing-models.md');
    for (const name of Object.keys(calls)) expect(page, `calls.${name} is not in docs/writing-models.md`).toContain(`\`calls.${name}(`);
  });
});

describe('the README and the links', () => {
  it('should keep the README a front door of at most 700 lines (long text goes in docs/)', () => {
    const lines = text('README.md').split('\n').length;
    expect(lines, `README.md has ${lines} lines: move the longest section to docs/ (see docs/README.md)`).toBeLessThanOrEqual(700);
  });

  it("should keep 'Use it in your own project' runnable by npm run pack:check (files, then commands)", () => {
    const steps = sectionSteps(text('README.md'));
    expect(steps.filter((s) => s.kind === 'file').map((s) => (s as { name: string }).name).sort()).toEqual(['model.spec.ts', 'model.ts', 'tsconfig.json']);
    const commands = steps.flatMap((s) => (s.kind === 'run' ? s.lines : []));
    expect(commands[0]).toMatch(/^npm install .*\binterleave-explorer\b/);
    expect(commands).toEqual(expect.arrayContaining(['npx tsc', 'npx interleave explore model.ts', 'npx vitest run']));
  });

  it('should start with the two commands a newcomer types', () => {
    const head = text('README.md').split('\n').slice(0, 15).join('\n');
    expect(head).toContain('npm install && npm start');
    expect(head).toContain('npm test');
  });

  for (const file of files) {
    it(`should link only to files that exist from ${file}`, () => {
      const missing: string[] = [];
      // Markdown links outside code: [text](relative/path#anchor); external and in-page links skipped.
      const prose = text(file).replace(/(`{3,})[^\n]*\n[\s\S]*?\n\1/g, '').replace(/`[^`\n]*`/g, '');
      for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (m[1] ?? '').split('#')[0] ?? '';
        if (!target || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(ROOT, dirname(file), target))) missing.push(target);
      }
      expect(missing).toEqual([]);
    });
  }
});
