/**
 * JUnit XML for CI systems: one `<testcase>` per run (catalogue entry or model file). A run
 * fails when its verdict differs from its expectation, or, without an expectation, when it is
 * not verified. The failure body is the text report, with the replay command.
 */
import { escapeXml } from './escape.js';
import { expectationSentence, kindAndMessage, type Report } from './report.js';
import { verdictLine, violationText } from './text.js';

export function junitXml(report: Report): string {
  const failed = (r: Report['runs'][number]): boolean => (r.asExpected === null ? r.verdict !== 'verified' : !r.asExpected);
  const failures = report.runs.filter(failed).length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = seconds(report.runs.reduce((t, r) => t + r.timeMs, 0));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="interleave" tests="${report.runs.length}" failures="${failures}" errors="0" time="${total}">`,
    `  <testsuite name="${escapeXml(`interleave ${report.command}`)}" tests="${report.runs.length}" failures="${failures}" errors="0" skipped="0" time="${total}">`,
  ];
  for (const r of report.runs) {
    const expected = r.expected ? expectationSentence(r.expected) : 'verified';
    const name = `${r.key}: expect ${expected}`;
    lines.push(`    <testcase classname="${escapeXml(`interleave.${r.scenario ?? r.system}`)}" name="${escapeXml(name)}" time="${seconds(r.timeMs)}">`);
    const body = [verdictLine(r), ...r.violations.map((v) => violationText(v, r.system))].join('\n\n');
    if (failed(r)) {
      const why = r.verdict === 'violation' ? r.violations.map((v) => kindAndMessage(v.kind, v.message)).join('; ') : verdictLine(r);
      lines.push(`      <failure type="${escapeXml(r.verdict)}" message="${escapeXml(why)}">${escapeXml(body)}</failure>`);
    } else {
      lines.push(`      <system-out>${escapeXml(body)}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
