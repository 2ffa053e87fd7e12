/**
 * The trace viewer in headless Chromium (Debian's, through playwright-core): load the page,
 * step through a counterexample with buttons and keys, check the locks and mailboxes shown at
 * each step and the violation highlighted, check that model text full of markup stays text,
 * check that a long trace (C13's deadlock of 9 actors) keeps the table header, the message
 * column and the locks and mailboxes on a 1280 x 800 screen at every step, and that its
 * message sequence chart draws every message; take screenshots into spec/out/viewer/.
 *
 * Skipped only when /usr/bin/chromium is absent outside CI; in CI (.ci/run installs chromium)
 * it always runs, and fails if the browser cannot start.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { makeReport, runReport, type Report } from '../../cli/reports/report.js';
import { viewerHtml } from '../../cli/viewer/html.js';
import twoCpuLock from '../../examples/twoCpuLock.js';
import twoCpuLockFixed from '../../examples/twoCpuLockFixed.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import hostile, { EVIL } from './fixtures/hostile.js';
import { inProcess, ROOT } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = join(ROOT, 'spec/out/viewer');
const runnable = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runnable) console.warn(`viewer spec skipped: ${CHROMIUM} is absent (apt-get install chromium); in CI it runs`);

/** The little of the DOM the page-side checks use (this project's tsconfig has no DOM lib). */
interface Rect { left: number; top: number; width: number; height: number }
interface PageElement { getBoundingClientRect(): Rect; contains(other: unknown): boolean; scrollWidth: number; clientWidth: number }
interface PageDocument { querySelector(selector: string): PageElement | null; getElementById(id: string): PageElement | null; elementFromPoint(x: number, y: number): unknown }

function reportOf(...systems: Array<[string, typeof twoCpuLock]>): Report {
  const runs = systems.map(([key, system]) => runReport({ origin: { kind: 'file', key, file: key }, system, strategy: 'bfs', result: explore(system), timeMs: 1 }));
  return makeReport(`explore ${systems.map(([k]) => k).join(' ')}`, runs, 1);
}

function page(file: string, report: Report): string {
  const path = join(OUT, file);
  writeFileSync(path, viewerHtml(report));
  return pathToFileURL(path).href;
}

describe.skipIf(!runnable)('the HTML viewer in headless Chromium', () => {
  let browser: Browser;
  let tab: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    tab.on('request', (r) => requests.push(r.url()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const text = (selector: string): Promise<string> => tab.locator(selector).innerText();
  const rowText = async (selector: string): Promise<string[]> => (await tab.locator(selector).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());

  it('should step through a deadlock with buttons and keys, showing locks and mailboxes at each step', async () => {
    const url = page('twoCpuLock.html', reportOf(['examples/twoCpuLock.ts', twoCpuLock], ['dp3', diningPhilosophers({ n: 3 }) as typeof twoCpuLock]));
    requests.length = 0;
    await tab.goto(url);
    expect(requests).toEqual([url]);
    expect(await tab.title()).toBe('interleave: explore examples/twoCpuLock.ts dp3');
    expect(await rowText('#trace thead th')).toEqual(['step', 'cpu0', 'cpu1', 'domain (daemon)', 'message']);
    expect(await tab.locator('#trace tbody tr').count()).toBe(9);
    expect(await text('#pos')).toBe('step 0 of 8');
    expect(await tab.locator('#prev').isDisabled()).toBe(true);
    expect(await rowText('#locks tbody tr')).toEqual(['d.lock domain free -', 'vgic.lock domain free -']);
    expect(await rowText('#mailboxes tbody tr')).toEqual(['cpu0 start from (env)', 'cpu1 start from (env)', 'domain (empty)']);

    await tab.click('#next');
    expect(await text('#pos')).toBe('step 1 of 8');
    expect(await tab.locator('#trace tbody tr.current').getAttribute('data-step')).toBe('1');
    expect(await text('#trace tbody tr.current td.stepped')).toBe('*task.spin_lock(d.lock)');
    expect(await rowText('#mailboxes tbody tr')).toEqual(['cpu0 (empty)', 'cpu1 start from (env)', 'domain spin.acquire(lock=d.lock) from cpu0']);

    await tab.keyboard.press('ArrowRight');
    await tab.keyboard.press('ArrowRight');
    expect(await text('#pos')).toBe('step 3 of 8');
    expect(await rowText('#locks tbody tr')).toEqual(['d.lock domain cpu0 -', 'vgic.lock domain free -']);
    expect(await tab.locator('#trace tbody tr.future').count()).toBe(5);

    await tab.keyboard.press('End');
    expect(await text('#pos')).toBe('step 8 of 8');
    expect(await tab.locator('#next').isDisabled()).toBe(true);
    expect(await rowText('#locks tbody tr')).toEqual(['d.lock domain cpu0 cpu1', 'vgic.lock domain cpu1 cpu0']);
    const last = tab.locator('#trace tbody tr[data-step="8"]');
    expect(await last.getAttribute('class')).toBe('violation current');
    expect(await last.innerText()).toContain("! deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)");
    expect(await text('#violation h2')).toBe('deadlock violation in examples/twoCpuLock.ts');
    expect(await text('#violation')).toContain('wait-for cycle: cpu0 -> cpu1 -> cpu0');
    expect(await text('#violation code')).toMatch(/^npx interleave replay examples\/twoCpuLock.ts@il2_/);
    await tab.screenshot({ path: join(OUT, 'twoCpuLock-end.png'), fullPage: true });

    await tab.keyboard.press('ArrowLeft');
    expect(await text('#pos')).toBe('step 7 of 8');
    await tab.click('#trace tbody tr[data-step="4"]');
    expect(await text('#pos')).toBe('step 4 of 8');
    await tab.keyboard.press('Home');
    expect(await text('#pos')).toBe('step 0 of 8');

    // The second counterexample of the report.
    await tab.selectOption('#pick', '1');
    expect(await rowText('#trace thead th')).toEqual(['step', 'phil0', 'phil1', 'phil2', 'fork0 (daemon)', 'fork1 (daemon)', 'fork2 (daemon)', 'message']);
    expect(await text('#pos')).toBe('step 0 of 12');
    expect(requests).toEqual([url]);
  });

  it('should show model text that is markup as text, and run none of it', async () => {
    const url = page('hostile.html', reportOf(['hostile.ts', hostile as typeof twoCpuLock]));
    await tab.goto(url);
    expect(await tab.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await tab.locator('img').count()).toBe(0);
    expect(await tab.locator('#trace thead th').nth(1).innerText()).toBe(`cpu0${EVIL}`);
    await tab.keyboard.press('End');
    expect(await tab.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const locks = await rowText('#locks tbody tr');
    expect(locks[0]).toContain('a</script><script>window.__pwned=2</script>');
    expect(locks[1]).toContain('b&amp;<b>bold</b>;#x');
    expect(await tab.locator('#mailboxes tbody tr').first().innerText()).toContain(`cpu0${EVIL}`);
    await tab.screenshot({ path: join(OUT, 'hostile-end.png'), fullPage: true });
  });

  it("should keep a long trace's header, message column, and locks and mailboxes on a 1280 x 800 screen, and chart every message", async () => {
    // The issue's case: C13's PCT entry, whose longest counterexample is a deadlock of 9 actors.
    const json = join(OUT, 'c13.json');
    const ran = await inProcess('explore', 'C13/buggy/6cpu-pct', '--report', json);
    expect(ran.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const cases = report.runs.flatMap((r) => r.violations);
    const longest = cases.reduce((best, v, i) => (v.trace.steps.length > (cases[best]?.trace.steps.length ?? 0) ? i : best), 0);
    const trace = cases[longest]!.trace;
    expect(trace.actors.length).toBe(9);
    expect(trace.steps.length).toBeGreaterThan(15);
    const last = trace.steps.length - 1;

    const big = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await big.goto(page('c13.html', report));
    await big.selectOption('#pick', String(longest));
    const W = 1280;
    const H = 800;
    const box = async (selector: string) => (await big.locator(selector).first().boundingBox())!;
    // The element drawn at the centre of `selector` is it or inside it: nothing covers it.
    const uncovered = (selector: string): Promise<boolean> =>
      big.evaluate((sel) => {
        const doc = (globalThis as unknown as { document: PageDocument }).document;
        const e = doc.querySelector(sel);
        if (!e) return false;
        const r = e.getBoundingClientRect();
        const hit = doc.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 8));
        return hit !== null && (hit === e || e.contains(hit));
      }, selector);
    const inViewport = (b: { x: number; y: number; width: number; height: number }): boolean => b.x >= 0 && b.y >= 0 && b.x + b.width <= W && b.y + b.height <= H;

    for (const [name, step] of [['first', 0], ['middle', Math.floor(last / 2)], ['last', last]] as const) {
      await big.keyboard.press('Home');
      for (let i = 0; i < step; i++) await big.keyboard.press('ArrowRight');
      expect(await big.locator('#pos').innerText()).toBe(`step ${step} of ${last}`);
      // The header row names every actor, on screen and not under the controls.
      const heads = big.locator('#trace thead th');
      expect(await heads.count()).toBe(trace.actors.length + 2);
      for (let k = 0; k < trace.actors.length + 2; k++) {
        expect(inViewport((await heads.nth(k).boundingBox())!), `header cell ${k} at step ${step}`).toBe(true);
        expect(await uncovered(`#trace thead th:nth-child(${k + 1})`), `header cell ${k} covered at step ${step}`).toBe(true);
      }
      // The current row and its whole message column are on screen.
      const row = `#trace tbody tr[data-step="${step}"]`;
      expect(await big.locator(row).getAttribute('class')).toContain('current');
      const message = await box(`${row} td.message`);
      const pane = await box('#table-pane');
      expect(message.x + message.width, `message column cut at step ${step}`).toBeLessThanOrEqual(Math.min(W, pane.x + pane.width) + 0.5);
      expect(await uncovered(`${row} td.message`), `current row hidden at step ${step}`).toBe(true);
      const fits = await big.evaluate(() => {
        const p = (globalThis as unknown as { document: PageDocument }).document.getElementById('table-pane');
        return p !== null && p.scrollWidth <= p.clientWidth;
      });
      expect(fits, `the trace table needs sideways scrolling at step ${step}`).toBe(true);
      // The locks and mailboxes panel is on screen, for this step.
      expect(await big.locator('#at-locks').innerText()).toBe(String(step));
      expect(inViewport(await box('#locks')), `locks panel off screen at step ${step}`).toBe(true);
      expect(await uncovered('#locks tbody tr'), `locks panel covered at step ${step}`).toBe(true);
      expect(inViewport(await box('#side'))).toBe(true);
      await big.screenshot({ path: join(OUT, `c13-${name}.png`) });
    }

    // The message sequence chart: a lifeline per actor (and the environment), an arrow per message.
    await big.click('#view-chart');
    const sent = trace.steps[0]!.mailboxes.flat().length + trace.steps.reduce((n, s) => n + s.sends.length, 0);
    expect(await big.locator('#msc g.msg').count()).toBe(sent);
    expect(await big.locator('#msc-names text').evaluateAll((els) => els.map((e) => e.getAttribute('data-lifeline')))).toEqual(['(env)', ...trace.actors.map((a) => a.name)]);
    for (const s of trace.steps.slice(1)) {
      // Every step's message arrives as one arrow, from its sender to the actor that took it.
      const arrow = big.locator(`#msc g.msg[data-taken="${s.index}"]`);
      expect(await arrow.count()).toBe(1);
      expect(await arrow.getAttribute('data-to')).toBe(s.actor);
      expect(await arrow.getAttribute('data-from')).toBe(s.message?.from ?? '(env)');
    }
    const never = trace.steps[last]!.mailboxes.flat().length;
    expect(await big.locator('#msc g.msg.pending').count()).toBe(never);
    expect(await big.locator(`#msc rect.band.violation[data-step="${last}"]`).count()).toBe(1);
    expect(await big.locator('#msc [data-blocked]').count()).toBe(cases[longest]!.deadlock?.blocked.length);
    for (const [name, step] of [['first', 0], ['middle', Math.floor(last / 2)], ['last', last]] as const) {
      await big.keyboard.press('Home');
      for (let i = 0; i < step; i++) await big.keyboard.press('ArrowRight');
      expect(inViewport(await box(`#msc rect.band[data-step="${step}"]`)), `chart row ${step} off screen`).toBe(true);
      expect(inViewport(await box('#msc-names')) || (await box('#msc-names')).y >= 0).toBe(true);
      expect(inViewport(await box('#locks'))).toBe(true);
      await big.screenshot({ path: join(OUT, `c13-chart-${name}.png`) });
    }
    await big.close();
  });

  it('should say there is no counterexample for a verified report', async () => {
    await tab.goto(page('verified.html', reportOf(['examples/twoCpuLockFixed.ts', twoCpuLockFixed])));
    expect(await text('#empty')).toBe('No counterexample: examples/twoCpuLockFixed.ts verified.');
    expect(await tab.locator('#controls').isVisible()).toBe(false);
  });
});
