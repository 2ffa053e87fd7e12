/**
 * The upstream findings: what the catalogue says about Xen's FF-A mediator as it stands
 * (xen-project/xen c447b730), one write-up per finding in docs/findings/ for a Xen maintainer.
 * `npm start` ends with one line per finding, its status read from this run's verdicts, never
 * written down: "confirmed upstream" when every entry that runs upstream's code in the triggering
 * configuration found its violation, "cannot happen upstream" when every such entry verified.
 */

/** One finding and the catalogue entries that decide it. */
export interface UpstreamFinding {
  /** The scenario card(s): `C10`, `C3+C12`. */
  id: string;
  /** One line, in upstream's terms. */
  title: string;
  /** The write-up, relative to the repository root. */
  file: string;
  /** Entries that run upstream's code where the bug would show. */
  upstream: string[];
  /** Entries that run the proposed fix (none for a finding that cannot happen). */
  fix: string[];
}

export const upstreamFindings: UpstreamFinding[] = [
  {
    id: 'C3+C12',
    title: "RX buffer filled after its page was put: a sibling vCPU's RX_RELEASE + RXTX_UNMAP, or SEND2 vs teardown",
    file: 'docs/findings/rx-buffer-ownership.md',
    upstream: ['C3/buggy/partinfo-release-unmap', 'C12/buggy/kill', 'C12/buggy/release-unmap'],
    fix: ['C3/fixed/partinfo-release-unmap', 'C12/fixed/kill', 'C12/fixed/release-unmap'],
  },
  {
    id: 'C8',
    title: 'guest_vers published before the VM is counted: a sibling PARTITION_INFO_GET(COUNT) or _GET_REGS answers a torn list',
    file: 'docs/findings/c8-version-publish-order.md',
    upstream: ['C8/buggy/publish', 'C8/buggy/get-regs'],
    fix: ['C8/fixed/publish', 'C8/fixed/get-regs'],
  },
  {
    id: 'C10',
    title: 'teardown retry timer uses an ffa_ctx (and domain) freed while queued',
    file: 'docs/findings/c10-teardown-timer.md',
    upstream: ['C10/buggy/vm-destroyed', 'C10/buggy/last-shm'],
    fix: ['C10/fixed/vm-destroyed', 'C10/fixed/last-shm'],
  },
  {
    id: 'C11',
    title: 'domain id reused between NOTIFICATION_INFO_GET and the RCU lookup (the comment in notif_vm_pend_intr)',
    file: 'docs/findings/c11-notification-bitmap.md',
    upstream: ['C11/fixed/reuse'],
    fix: [],
  },
  {
    id: 'C11',
    title: "a VM dying with a notification pending keeps its SPMC bitmap: its domid never gets FF-A again",
    file: 'docs/findings/c11-notification-bitmap.md',
    upstream: ['C11/buggy/bitmap-left'],
    fix: ['C11/fixed/bitmap-left'],
  },
  {
    id: 'C13',
    title: 'SEND2 and RXTX_MAP across two VMs deadlock four CPUs (CONFIG_FFA_VM_TO_VM)',
    file: 'docs/findings/c13-send2-lock-order.md',
    upstream: ['C13/buggy/4cpu'],
    fix: ['C13/fixed/4cpu'],
  },
  {
    id: 'C15',
    title: 'a failed domain creation skips FF-A teardown: SPs never get VM_DESTROYED, the SPMC bitmap leaks',
    file: 'docs/findings/c15-failed-create.md',
    upstream: ['C15/buggy/init-fails', 'C15/buggy/late-fails', 'C15/buggy/recreate'],
    fix: ['C15/fixed/init-fails', 'C15/fixed/late-fails', 'C15/fixed/recreate'],
  },
];

/** What a run found for one entry: its key, verdict and whether that was the expected one. */
export interface EntryOutcome {
  key: string;
  verdict: string;
  /** Null for a run without an expectation. */
  asExpected: boolean | null;
}

/** A finding's status from this run, or null when its upstream entries did not all run. */
export function findingStatus(f: UpstreamFinding, runs: EntryOutcome[]): string | null {
  const ran = f.upstream.map((k) => runs.find((r) => r.key === k));
  if (ran.some((r) => r === undefined)) return null;
  const upstream = ran as EntryOutcome[];
  const fixes = f.fix.map((k) => runs.find((r) => r.key === k));
  const fixVerified = fixes.every((r) => r === undefined || (r.verdict === 'verified' && r.asExpected === true));
  if (upstream.every((r) => r.verdict === 'violation')) return fixVerified ? 'confirmed upstream' : 'confirmed upstream (proposed fix NOT verified)';
  if (upstream.every((r) => r.verdict === 'verified')) return 'cannot happen upstream';
  return 'not settled by this run (see the table)';
}

/**
 * The closing lines of `npm start`: one per finding whose entries ran, with its status and where
 * to read it. Empty when none ran (another catalogue, or a `--scenario` without findings).
 */
export function findingsText(runs: EntryOutcome[]): string[] {
  const lines = upstreamFindings.flatMap((f) => {
    const status = findingStatus(f, runs);
    return status === null ? [] : [[f.id, status, f.title, f.file]];
  });
  if (!lines.length) return [];
  const w = [0, 1, 3].map((i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return [
    'Upstream findings (xen c447b730), each with its shortest trace, proposed fix and replay command:',
    ...lines.map(([id, status, title, file]) => `  ${(id ?? '').padEnd(w[0]!)}  ${(status ?? '').padEnd(w[1]!)}  ${(file ?? '').padEnd(w[2]!)}  ${title}`),
  ];
}
