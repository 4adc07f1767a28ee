// The fleet of bench/fleet.bench.ts reconciled by 3 sharded replicas (`tiphys controller --shards`,
// real processes, default 15 s leases): the time from the ApplicationSet's creation until its N apps
// are Synced and Healthy, each replica's RSS and the apps it reconciled, then one replica killed:
// the time until the survivors count it out and until they have reconciled every app of its
// clusters. Floor: the same set by one controller process in fleet.bench.ts (run them together).
// BENCH_FLEET_DIRS (default 50) directories per cluster: N = 3 × that. 1,000 apps is 334.
import { loadKubeConfig } from '../src/adapters/kube/kubeconfig.ts';
import { ownerOf } from '../src/core/sharding/assign.ts';
import { normalizeServer } from '../src/core/sharding/shard-key.ts';
import { NAMESPACE, startControllerProcess } from '../test/e2e/support.ts';
import { freePorts } from '../testbed/src/ports.ts';
import { AppWatch, countApps } from './app-watch.ts';
import { apps, createFleetSet, dirs, healthy, startFleet } from './fleet-setup.ts';
import { memoryOf, pollUntil, scrapeMetric, stopChild, waitForHttp } from './gitops.ts';
import { report } from './stats.ts';

const fleet = await startFleet('bench-shards');
const { env, regions, work } = fleet;
const identities = ['shard-0', 'shard-1', 'shard-2'];
const ports = await freePorts(3);
const replicas = identities.map((identity, i) => ({
  identity,
  metrics: `http://127.0.0.1:${ports[i]}/metrics`,
  child: startControllerProcess(env, [
    '--port',
    String(ports[i]),
    '--shards',
    '--identity',
    identity,
    '--poll-interval',
    '180',
  ]),
}));
const members = (metrics: string) => scrapeMetric(metrics, 'tiphys_shard_members').catch(() => -1);
const reconciled = (metrics: string) => scrapeMetric(metrics, 'tiphys_app_reconcile_total').catch(() => 0);

let watch: AppWatch | undefined;
try {
  const { url } = await env.git.createRepo('fleet', work);
  for (const r of replicas) await waitForHttp(r.metrics.replace('/metrics', '/healthz'));
  await pollUntil(
    'every replica counting 3',
    async () => (await Promise.all(replicas.map((r) => members(r.metrics)))).every((n) => n === 3),
    { start: performance.now(), intervalMs: 500, timeoutMs: 300_000 },
  );

  watch = await AppWatch.start(loadKubeConfig(env.cluster.kubeconfigPath), env.rest, NAMESPACE);
  const start = performance.now();
  await createFleetSet(env, url);
  const total = await watch.until(
    `${apps} apps Synced and Healthy`,
    (current) => countApps(current, 'set-', healthy) === apps,
    { start, timeoutMs: 1_800_000, describe: (current) => `${countApps(current, 'set-', healthy)}/${apps}` },
  );
  watch.stop();
  watch = undefined;
  report(`3 sharded replicas: ${apps} apps × 10 ConfigMaps, 3 clusters, to all Synced+Healthy`, total, 'ms');
  for (const r of replicas) {
    const owned = regions.filter(
      (g) => ownerOf(normalizeServer(g.cluster.server), identities) === r.identity,
    );
    report(
      `${r.identity} VmRSS (clusters ${owned.map((g) => g.name).join(', ') || 'none'}; ${await reconciled(r.metrics)} reconciles)`,
      memoryOf(r.child.pid as number).rssMiB,
      'MiB',
    );
  }

  // Kill the owner of region-a; the others must take its clusters and reconcile their apps.
  const victim = replicas.find(
    (r) => r.identity === ownerOf(normalizeServer(env.cluster.server), identities),
  ) as (typeof replicas)[number];
  const survivors = replicas.filter((r) => r !== victim);
  const lost = regions.filter(
    (g) => ownerOf(normalizeServer(g.cluster.server), identities) === victim.identity,
  );
  const lostApps = lost.length * dirs;
  const before = (await Promise.all(survivors.map((r) => reconciled(r.metrics)))).reduce((a, b) => a + b, 0);
  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  const countedOut = await pollUntil(
    'the survivors counting 2',
    async () => (await Promise.all(survivors.map((r) => members(r.metrics)))).every((n) => n === 2),
    { start: killedAt, intervalMs: 200, timeoutMs: 300_000 },
  );
  const takenOver = await pollUntil(
    `the survivors reconciling the ${lostApps} apps of ${lost.map((g) => g.name).join(', ')}`,
    async () => {
      const now = (await Promise.all(survivors.map((r) => reconciled(r.metrics)))).reduce((a, b) => a + b, 0);
      return now - before >= lostApps;
    },
    { start: killedAt, intervalMs: 200, timeoutMs: 900_000 },
  );
  report('kill to the survivors counting the dead replica out (lease 15 s)', countedOut, 'ms', undefined, {
    max: 30_000,
    source: 'issue 10: clusters move within 30 s',
  });
  report(`kill to every app of its clusters reconciled by a survivor (${lostApps} apps)`, takenOver, 'ms');
} finally {
  // A failed wait must not leave the watch holding the process open.
  watch?.stop();
  for (const r of replicas) await stopChild(r.child);
  await fleet.stop();
}
