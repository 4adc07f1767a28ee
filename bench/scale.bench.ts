// Many apps: 200 Applications of 10 ConfigMaps each (one path each in ONE repo, each its own
// namespace created by the sync), `tiphys controller` as a real process. Its poll interval
// (BENCH_POLL_SECONDS, default 3600) is longer than the whole run: with 180 s, a first sync
// slower than 180 s (a loaded machine) put the first polls inside the idle window, which then
// measured polling, not rest. Reconciles seen during the idle window are reported and warned of.
// Prints the time until all are Synced, then the controller's resident memory (VmRSS, VmHWM)
// and its idle CPU over 30 s. Floor for memory: an idle `node -e "setInterval(...)"` started
// the same way. Floor for the sync time and its CPU: `kubectl apply --server-side` of the same
// Namespaces and ConfigMaps (other names) on the same cluster, its end seen through the same
// 250 ms polling of the API, and the CPU kubectl used.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Application } from '../src/core/model/application.ts';
import { createApp, NAMESPACE, startControllerProcess, startEnv } from '../test/e2e/support.ts';
import { ensureTestbedBinaries } from '../testbed/src/binaries.ts';
import { freePorts } from '../testbed/src/ports.ts';
import {
  automatedSpec,
  CLOCK_TICKS_PER_SECOND,
  configMapYaml,
  cpuTicksOf,
  inBatches,
  memoryOf,
  pollUntil,
  scrapeMetric,
  stopChild,
  syncSucceeded,
  waitForHttp,
  writeFiles,
} from './gitops.ts';
import { report } from './stats.ts';

const appCount = Number(process.env.BENCH_APPS ?? 200);
const objectsPerApp = 10;
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const pollSeconds = Number(process.env.BENCH_POLL_SECONDS ?? 3600);
const appName = (i: number) => `scale-${String(i).padStart(3, '0')}`;

const work = mkdtempSync(join(tmpdir(), 'tiphys-bench-scale-'));
const files: Record<string, string> = {};
for (let i = 0; i < appCount; i++) {
  for (let j = 0; j < objectsPerApp; j++) {
    files[`${appName(i)}/cm-${j}.yaml`] = configMapYaml(`cm-${j}`, appName(i), `app ${i} object ${j}`);
  }
}
writeFiles(work, files);
// The floor's copy: the same objects under other namespace names, Namespaces first.
const floorName = (i: number) => `floor-${String(i).padStart(3, '0')}`;
const floorFiles: Record<string, string> = {
  '0-namespaces.yaml': Array.from(
    { length: appCount },
    (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${floorName(i)}\n`,
  ).join('---\n'),
};
for (let i = 0; i < appCount; i++) {
  const docs = Array.from({ length: objectsPerApp }, (_, j) =>
    configMapYaml(`cm-${j}`, floorName(i), `app ${i} object ${j}`),
  );
  floorFiles[`${floorName(i)}.yaml`] = docs.join('---\n');
}
const floorDir = join(work, '.floor');
writeFiles(floorDir, floorFiles);

/** CPU ticks of this process's children that have ended (kubectl once awaited). */
function endedChildrenTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

const env = await startEnv('bench-scale');
const [port] = await freePorts(1);
const controller = startControllerProcess(env, [
  '--port',
  String(port),
  '--no-leader-election',
  '--poll-interval',
  String(pollSeconds),
]);
const idle = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], {
  env: process.env,
  stdio: ['ignore', 'ignore', 'ignore'],
});
process.once('exit', () => idle.kill('SIGKILL'));
try {
  const { url } = await env.git.createRepo('scale', work);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  const pid = controller.pid;
  if (pid === undefined) throw new Error('the controller process has no pid');
  const startupMemory = memoryOf(pid);

  // Floor: kubectl applies the same objects; done when the same polling sees all of them.
  const { kubectl } = await ensureTestbedBinaries();
  const floorTicks = endedChildrenTicks();
  const floorStart = performance.now();
  await promisify(execFile)(
    kubectl,
    [
      '--kubeconfig',
      env.cluster.kubeconfigPath,
      'apply',
      '--server-side',
      '--field-manager=bench',
      '-f',
      floorDir,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const floorCpuSeconds = (endedChildrenTicks() - floorTicks) / CLOCK_TICKS_PER_SECOND;
  const floorConfigMaps = async () =>
    (
      await env.rest.request<{ items: { metadata: { namespace: string; name: string } }[] }>(
        'GET',
        '/api/v1/configmaps',
      )
    ).items.filter((cm) => cm.metadata.namespace.startsWith('floor-') && cm.metadata.name.startsWith('cm-'))
      .length;
  const floorSynced = await pollUntil(
    'the floor objects applied',
    async () => (await floorConfigMaps()) >= appCount * objectsPerApp,
    { start: floorStart, intervalMs: 250, timeoutMs: 600_000 },
  );

  const list = async () =>
    (
      await env.rest.request<{ items: Application[] }>(
        'GET',
        `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`,
      )
    ).items;
  const start = performance.now();
  const cpuAtStart = cpuTicksOf(pid);
  await inBatches(
    Array.from({ length: appCount }, (_, i) => i),
    10,
    (i) => createApp(env, appName(i), automatedSpec(url, appName(i), appName(i))),
  );
  const created = performance.now() - start;
  let synced = 0;
  const allSynced = await pollUntil(
    `all ${appCount} apps Synced`,
    async () => {
      synced = (await list()).filter(syncSucceeded).length;
      return synced === appCount;
    },
    {
      start,
      intervalMs: 250,
      timeoutMs: 600_000,
      describe: async () => `${synced}/${appCount} Synced`,
    },
  );
  const syncCpuSeconds = (cpuTicksOf(pid) - cpuAtStart) / CLOCK_TICKS_PER_SECOND;

  // Let the follow-up reconciles of the last syncs finish, then watch the idle controller.
  await sleep(5_000);
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const reconcilesBefore = await scrapeMetric(metricsUrl, 'tiphys_app_reconcile_total');
  const gitBefore = await scrapeMetric(metricsUrl, 'tiphys_git_request_total');
  const idleStartMemory = memoryOf(pid);
  const ticksBefore = cpuTicksOf(pid);
  const idleStart = performance.now();
  await sleep(idleSeconds * 1000);
  const idleCpuPercent =
    (100 * (cpuTicksOf(pid) - ticksBefore)) /
    CLOCK_TICKS_PER_SECOND /
    ((performance.now() - idleStart) / 1000);
  const memory = memoryOf(pid);
  const idleReconciles = (await scrapeMetric(metricsUrl, 'tiphys_app_reconcile_total')) - reconcilesBefore;
  const idleGit = (await scrapeMetric(metricsUrl, 'tiphys_git_request_total')) - gitBefore;
  if (idle.pid === undefined) throw new Error('the idle node process has no pid');
  const floor = memoryOf(idle.pid);
  const stillSynced = (await list()).filter(syncSucceeded).length;

  const apps = `${appCount} apps × ${objectsPerApp} ConfigMaps`;
  report(`create ${appCount} Applications (10 in parallel)`, created, 'ms');
  const syncFloor = { name: 'kubectl apply --server-side', value: floorSynced };
  const cpuFloor = { name: 'kubectl CPU', value: floorCpuSeconds };
  report(`kubectl apply --server-side of the same objects (floor)`, floorSynced, 'ms');
  report(`${apps}: creation to all Synced`, allSynced, 'ms', syncFloor);
  report(`kubectl CPU for that apply (floor)`, floorCpuSeconds, 's');
  report(`controller CPU during that sync`, syncCpuSeconds, 's', cpuFloor);
  report(`controller CPU idle over ${idleSeconds} s`, idleCpuPercent, '% of a core');
  report(`reconciles while idle (${idleSeconds} s)`, idleReconciles, 'reconciles');
  report(`Git operations while idle (${idleSeconds} s)`, idleGit, 'operations');
  const nodeFloor = { name: 'idle node process', value: floor.rssMiB };
  report('idle node process VmRSS (floor)', floor.rssMiB, 'MiB');
  report('controller VmRSS at start, no apps', startupMemory.rssMiB, 'MiB', nodeFloor);
  report(`controller VmRSS, ${apps}, idle start`, idleStartMemory.rssMiB, 'MiB', nodeFloor);
  report(`controller VmRSS, ${apps}, after ${idleSeconds} s idle`, memory.rssMiB, 'MiB', nodeFloor);
  report(`controller VmHWM (peak), ${apps}`, memory.hwmMiB, 'MiB', nodeFloor);
  if (idleReconciles > 0)
    console.log(
      `warning: ${idleReconciles} reconciles during the idle window: not at rest (polls or events)`,
    );
  if (stillSynced !== appCount)
    console.log(`warning: only ${stillSynced}/${appCount} apps Synced after idling`);
} finally {
  idle.kill('SIGKILL');
  await stopChild(controller);
  await env.stop();
  rmSync(work, { recursive: true, force: true });
}
