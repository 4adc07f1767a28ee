// Testbed start-up with binaries cached, and the peak memory of one cluster.
// Floor: starting the same five binaries just to print their version (process start cost).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ensureTestbedBinaries } from '../testbed/src/binaries.ts';
import { startCluster } from '../testbed/src/cluster.ts';
import type { ComponentName } from '../testbed/src/component.ts';
import { median, report, timeIt } from './stats.ts';

const run = promisify(execFile);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const bins = await ensureTestbedBinaries();
const names: ComponentName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];

const floors: number[] = [];
const ups: number[] = [];
const peaks: number[] = [];
for (let i = 0; i < rounds; i++) {
  floors.push(await timeIt(() => Promise.all(names.map((name) => run(bins[name], ['--version'])))));
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  ups.push(
    await timeIt(async () => {
      cluster = await startCluster({ name: `bench${i}` });
    }),
  );
  if (!cluster) throw new Error('no cluster');
  // Let the controllers settle, then read each process's peak resident set (VmHWM).
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  let peakKiB = 0;
  for (const name of names) {
    const pid = cluster.component(name).pid;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    peakKiB += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  peaks.push(peakKiB / 1024);
  await cluster.stop();
}
const floor = { name: 'exec of the 5 binaries (--version)', value: median(floors) };
report(`testbed up, binaries cached (median of ${rounds})`, median(ups), 'ms', floor, {
  max: 20_000,
  source: 'issue 2',
});
report(`one cluster, summed peak RSS (median of ${rounds})`, median(peaks), 'MiB');
