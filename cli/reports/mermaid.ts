/**
 * A counterexample as a Mermaid sequence diagram: one participant per actor, one arrow per
 * message sent (initial messages come from `env`), a note for a step that sends nothing, and
 * the violation as a note at the end. Paste it into any Markdown that renders Mermaid.
 *
 * Model text is written with Mermaid's entity codes for the characters its grammar reads
 * (`;`, `#`, `<`, `>`, `&`, newlines) and for the backtick (so it cannot close the Markdown
 * fence), with control characters escaped, so a message field cannot end a line, open markup or
 * end the diagram.
 */
import { escapeControl, escapeMarkdown, markdownCode, markdownFence } from './escape.js';
import { kindAndMessage, type TraceReport, type ViolationReport } from './report.js';

/** Text safe after `:` in a Mermaid sequence diagram line, or as a participant alias. */
export function escapeMermaid(text: string): string {
  // One pass: the entity codes themselves contain '#' and ';'.
  return escapeControl(text).replace(/[#;&<>`]|\n+/g, (c) => MERMAID_ENTITIES[c] ?? ' ');
}

const MERMAID_ENTITIES: Record<string, string> = { '#': '#35;', ';': '#59;', '&': '#amp;', '<': '#lt;', '>': '#gt;', '`': '#96;' };

/** The diagram of one violation's counterexample. */
export function mermaidDiagram(v: ViolationReport): string {
  const t: TraceReport = v.trace;
  const ids = new Map(t.actors.map((a, i) => [a.name, `a${i}`]));
  const id = (name: string): string => ids.get(name) ?? 'env';
  const [initial, ...steps] = t.steps;
  const lines = ['sequenceDiagram'];
  const envSends = (initial?.mailboxes ?? []).some((box) => box.length > 0);
  if (envSends) lines.push('  participant env as (env)');
  t.actors.forEach((a, i) => lines.push(`  participant a${i} as ${escapeMermaid(a.name)}`));
  initial?.mailboxes.forEach((box, i) => {
    for (const m of box) lines.push(`  env->>a${i}: ${escapeMermaid(m.text)}`);
  });
  for (const s of steps) {
    const actor = id(s.actor ?? '');
    for (const send of s.sends) lines.push(`  ${actor}->>${id(send.to)}: ${s.index}. ${escapeMermaid(send.message.text)}`);
    const state = s.states[t.actors.findIndex((a) => a.name === s.actor)] ?? '';
    if (s.sends.length === 0) lines.push(`  Note over ${actor}: ${s.index}. took ${escapeMermaid(s.message?.text ?? '?')}, now ${escapeMermaid(state)}`);
    for (const f of s.findings) lines.push(`  Note over ${actor}: ${escapeMermaid(kindAndMessage(f.kind, f.message))}`);
  }
  const last = t.steps.at(-1);
  const already = new Set(last?.findings.map((f) => f.message) ?? []);
  const culprit = v.actor !== null && ids.has(v.actor) ? id(v.actor) : `a0,a${Math.max(0, t.actors.length - 1)}`;
  for (const f of t.findings) if (!already.has(f.message)) lines.push(`  Note over ${culprit}: ${escapeMermaid(kindAndMessage(f.kind, f.message))}`);
  if (!t.findings.length) lines.push(`  Note over ${culprit}: ${escapeMermaid(kindAndMessage(v.kind, v.message))}`);
  return lines.join('\n');
}

/** A Markdown document with one diagram per violation of the report's runs. */
export function mermaidMarkdown(runs: ReadonlyArray<{ key: string; violations: ViolationReport[] }>): string {
  const out: string[] = [];
  for (const run of runs) {
    for (const v of run.violations) {
      out.push(`## ${escapeMarkdown(`${run.key}: ${v.kind}`)}`, '', markdownFence(v.message), '', '```mermaid', mermaidDiagram(v), '```', '', `Replay: ${markdownCode(v.replay)}`, '');
    }
  }
  return out.length ? out.join('\n') : 'No counterexample: no violation was found.\n';
}
