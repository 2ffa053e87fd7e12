/**
 * Escaping model text for the formats reports are written in. Actor names, state names,
 * message fields and assertion texts are the user's: they may hold `<`, `&`, quotes or
 * `</script>`, and must show as text, never as markup; and they may hold control characters (a
 * clear-screen code, a carriage return that overwrites a line with a fake "verified", a bidi
 * override that reorders what a reviewer reads), which must show as visible escapes, never act.
 *
 * Every output path applies one of these: the terminal (`main()` wraps the command's Io with
 * {@link escapeControl}), `.txt` and `.json` files, Markdown ({@link escapeMarkdown}), JUnit
 * ({@link escapeXml}), Mermaid (mermaid.ts) and the viewer ({@link escapeHtml}, {@link jsonForScript},
 * and {@link escapeControlDeep} on its data).
 */

/**
 * C0 controls other than tab and newline, DEL, C1 controls, zero-width and bidi formatting
 * characters, and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function visible(c: string): string {
  return `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
}

/**
 * Text with every control or invisible formatting character written as `\uXXXX` (tab and
 * newline kept). The same form is a valid JSON string escape, so JSON text stays valid JSON
 * with the same value.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/** {@link escapeControl} on every string inside a JSON-like value (keys included). */
export function escapeControlDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => escapeControlDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeControl(k), escapeControlDeep(v)])) as T;
  }
  return value;
}

/**
 * Text safe in a Markdown heading or paragraph line: control characters escaped, HTML's `&<>` as
 * entities, and the characters that open emphasis, links, code, tables or headings
 * (`` \ ` * _ [ ] | ~ # ``) backslash-escaped; newlines as `<br>` (one block stays one).
 */
export function escapeMarkdown(text: string): string {
  return escapeControl(text)
    .replace(/[&<>]/g, (c) => XML_ENTITIES[c] as string)
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/\n/g, '<br>');
}

/** `text` as a fenced Markdown code block, fenced with more backticks than any run inside it. */
export function markdownFence(text: string, info = 'text'): string {
  const safe = escapeControl(text);
  const longest = Math.max(2, ...[...safe.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${safe}\n${fence}`;
}

/** `text` as a Markdown code span, fenced with more backticks than any run inside it. */
export function markdownCode(text: string): string {
  const safe = escapeControl(text).replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...safe.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for XML element content and attribute values. Control characters (which XML 1.0
 * mostly forbids) and U+FFFE/U+FFFF are written visibly as `\uXXXX`.
 */
export function escapeXml(text: string): string {
  return escapeControl(text)
    .replace(/[\ufffe\uffff]/g, visible)
    .replace(/[&<>"']/g, (c) => XML_ENTITIES[c] as string);
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === "'" ? '&#39;' : (XML_ENTITIES[c] as string)));
}

/**
 * JSON that is safe inside an HTML `<script>` element: `<` is written as `\u003c` (so no
 * `</script>` or `<!--` can end the element), and U+2028/U+2029 are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
