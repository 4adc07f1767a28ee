// The side-by-side table from the results of bench/peers.bench.ts: medians per configuration and
// Tiphys / Flux per row (below 1: Tiphys is ahead, for every row smaller is better).
import { median } from '../stats.ts';

export interface PeerResult {
  tool: 'tiphys' | 'flux';
  concurrent: number;
  apps: number;
  ok: boolean;
  error?: string;
  syncSeconds: number;
  syncCpuSeconds: number;
  apiserverEtcdCpuSeconds: number;
  peakRssMiB: number;
  rssAfterIdleMiB: number;
  idleCpuPercent: number;
  configMapsApplied: number;
  commitAppliedMs: number[];
  commitAppReadyMs: number[];
  commitAllReadyMs: number[];
  hwmByProcessMiB: Record<string, number>;
}

type Row = [string, (r: PeerResult[]) => number, number];

const mid = (xs: number[]) => median(xs.filter((x) => Number.isFinite(x)));

function rows(apps: number, idleSeconds: number): Row[] {
  return [
    [`create → all ${apps} Synced / Ready (s)`, (rs) => mid(rs.map((r) => r.syncSeconds)), 1],
    ['controller CPU during that (s)', (rs) => mid(rs.map((r) => r.syncCpuSeconds)), 1],
    ['apiserver+etcd CPU during that (s)', (rs) => mid(rs.map((r) => r.apiserverEtcdCpuSeconds)), 1],
    ['peak RSS, VmHWM summed (MiB)', (rs) => mid(rs.map((r) => r.peakRssMiB)), 0],
    ['RSS after idle (MiB)', (rs) => mid(rs.map((r) => r.rssAfterIdleMiB)), 0],
    [`idle CPU over ${idleSeconds} s (% of a core)`, (rs) => mid(rs.map((r) => r.idleCpuPercent)), 2],
    ['commit → the changed ConfigMap applied (ms)', (rs) => mid(rs.flatMap((r) => r.commitAppliedMs)), 0],
    ['commit → that app reports it (ms)', (rs) => mid(rs.flatMap((r) => r.commitAppReadyMs)), 0],
    [`commit → all ${apps} report it (ms)`, (rs) => mid(rs.flatMap((r) => r.commitAllReadyMs)), 0],
  ];
}

const label = (r: PeerResult) => `${r.tool === 'flux' ? 'Flux' : 'Tiphys'} c=${r.concurrent}`;

/** The table as lines of text (a Markdown table), failed runs named first, then each run. */
export function peersTable(results: PeerResult[], idleSeconds: number): string[] {
  const lines: string[] = [];
  for (const f of results.filter((r) => !r.ok))
    lines.push(`FAILED run: ${label(f)}: ${(f.error ?? '').split('\n')[0]}`);
  const ok = new Map<string, PeerResult[]>();
  for (const r of results.filter((r) => r.ok)) ok.set(label(r), [...(ok.get(label(r)) ?? []), r]);
  const keys = [...ok.keys()].sort((a, b) =>
    a.startsWith('Tiphys') ? -1 : b.startsWith('Tiphys') ? 1 : a.localeCompare(b, 'en', { numeric: true }),
  );
  const tiphys = keys.find((k) => k.startsWith('Tiphys'));
  const fluxes = keys.filter((k) => k.startsWith('Flux'));
  const apps = results[0]?.apps ?? 0;
  const header = [
    'metric (median)',
    ...keys.map((k) => `${k} (n=${ok.get(k)?.length})`),
    ...fluxes.map((k) => `Tiphys / ${k}`),
  ];
  const table: string[][] = [header];
  for (const [name, figure, digits] of rows(apps, idleSeconds)) {
    const t = tiphys ? figure(ok.get(tiphys) ?? []) : Number.NaN;
    table.push([
      name,
      ...keys.map((k) => figure(ok.get(k) ?? []).toFixed(digits)),
      ...fluxes.map((k) => (t / figure(ok.get(k) ?? [])).toFixed(2)),
    ]);
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const [i, row] of table.entries()) {
    lines.push(
      `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`,
    );
    if (i === 0)
      lines.push(
        `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
      );
  }
  lines.push('', 'per run:');
  for (const k of keys)
    for (const r of ok.get(k) ?? [])
      lines.push(
        `  ${k}: sync ${r.syncSeconds.toFixed(1)} s, CPU ${r.syncCpuSeconds.toFixed(1)} s, HWM ${JSON.stringify(
          Object.fromEntries(Object.entries(r.hwmByProcessMiB).map(([n, v]) => [n, Math.round(v)])),
        )} MiB, idle ${r.idleCpuPercent.toFixed(2)} %, commit → CM ${r.commitAppliedMs.map((x) => x.toFixed(0)).join('/')} ms, → app ${r.commitAppReadyMs.map((x) => x.toFixed(0)).join('/')} ms, → all ${r.commitAllReadyMs.map((x) => x.toFixed(0)).join('/')} ms`,
      );
  return lines;
}
