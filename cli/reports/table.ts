/**
 * Plain-text tables: a header, a rule, aligned columns. Numbers are right-aligned. Cells are
 * model text: their control characters are escaped before the widths are measured.
 */
import { escapeControl } from './escape.js';

export function table(header: readonly string[], cells: ReadonlyArray<readonly string[]>, options: { right?: readonly number[] } = {}): string {
  const right = new Set(options.right ?? []);
  const rows = cells.map((r) => r.map(escapeControl));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `1234567` -> `1,234,567`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
