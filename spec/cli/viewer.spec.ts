/**
 * The trace viewer in headless Chromium (Debian's, through playwright-core): load the page,
 * step through a counterexample with buttons and keys, check the locks and mailboxes shown at
 * each step and the violation highlighted, check that model text full of markup stays text,
 * and take screenshots into spec/out/.
 *
 * Skipped only when /usr/bin/chromium is absent outside CI; in CI (.ci/run installs chromium)
 * it always runs, and fails if the browser cannot start.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
import { ROOT } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = join(ROOT, 'spec/out/viewer');
const runnable = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runnable) console.warn(`viewer spec skipped: ${CHROMIUM} is absent (apt-get install chromium); in CI it runs`);

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
    expect(await rowText('#mailboxes tbody tr')).toEqual(['cpu0 run from (env)', 'cpu1 run from (env)', 'domain (empty)']);

    await tab.click('#next');
    expect(await text('#pos')).toBe('step 1 of 8');
    expect(await tab.locator('#trace tbody tr.current').getAttribute('data-step')).toBe('1');
    expect(await text('#trace tbody tr.current td.stepped')).toBe('*spinFirst');
    expect(await rowText('#mailboxes tbody tr')).toEqual(['cpu0 (empty)', 'cpu1 run from (env)', 'domain spin.acquire(lock=d.lock) from cpu0']);

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

  it('should say there is no counterexample for a verified report', async () => {
    await tab.goto(page('verified.html', reportOf(['examples/twoCpuLockFixed.ts', twoCpuLockFixed])));
    expect(await text('#empty')).toBe('No counterexample: examples/twoCpuLockFixed.ts verified.');
    expect(await tab.locator('#controls').isVisible()).toBe(false);
  });
});
