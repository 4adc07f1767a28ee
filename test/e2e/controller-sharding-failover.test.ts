// Sharding with three real controller processes (docs/fleet.md "Sharding"): three registered
// clusters on three API servers, one per replica. One replica is paused (SIGSTOP) in the middle
// of a sync until its Lease has run out and a peer has taken its cluster, then woken (SIGCONT):
// it must write nothing until it has joined again. Another is killed (SIGKILL) in the middle of a
// sync: the survivors take its cluster and finish the sync, the hook not run twice. Every status
// write a reconcile makes carries its replica and since when it acts (status.reportedBy); a watch
// of the Applications records them in the API server's order, and the test fails if a writer
// that another writer followed on an app ever writes that app again (two replicas reconciling
// one app at once), or if a replica writes for an app whose cluster it could not own.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationStore } from '../../src/adapters/control-plane/application-store.ts';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { ownerOf } from '../../src/core/sharding/assign.ts';
import { normalizeServer } from '../../src/core/sharding/shard-key.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { freePorts } from '../../testbed/src/ports.ts';
import {
  createApp,
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  readObject,
  runningPod,
  startControllerProcess,
  startEnv,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');
const slowly = 240_000;
const LEASE_SECONDS = 6;

/** Three replica names that give each of the three servers to a different replica. */
function oneServerEach(servers: readonly string[]): string[] {
  for (let i = 0; i < 500; i++) {
    const names = ['a', 'b', 'c'].map((s) => `replica-${i}${s}`);
    const owners = servers.map((server) => ownerOf(normalizeServer(server), names) as string);
    if (new Set(owners).size === 3) return owners;
  }
  throw new Error('no three replica names split the three servers');
}

async function metric(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  } catch {
    return undefined;
  }
}

async function finishHook(env: Env, path: string): Promise<void> {
  const now = new Date().toISOString();
  await env.rest.request('PATCH', `${path}/status`, {
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'migrate',
            image: 'busybox:1.36',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
          },
        ],
      },
    },
  });
}

/**
 * The writers of each app in the API server's order, one entry per run of writes by one writer
 * (replica and since when it acts): a writer appearing twice was followed by another writer and
 * wrote again, so two replicas reconciled the app at once.
 */
function overlaps(runs: ReadonlyMap<string, string[]>): string[] {
  const found: string[] = [];
  for (const [app, writers] of runs) {
    const repeated = writers.filter((w, i) => writers.indexOf(w) !== i);
    if (repeated.length > 0) found.push(`${app}: ${writers.join(' → ')}`);
  }
  return found;
}

describe('controller sharding: three replicas, one paused and one killed mid-sync', () => {
  let env: Env;
  let others: TestCluster[] = [];
  /** Clients of west and south, where those apps' objects (their hook Pods) live. */
  let rests: KubeRest[] = [];
  let repo: string;
  const children = new Map<string, { child: ChildProcess; port: number }>();
  const writes = new Map<string, string[]>();
  let watch: ApplicationStore | undefined;

  before(async () => {
    let west: TestCluster;
    let south: TestCluster;
    [env, west, south] = await Promise.all([
      startEnv('ctrl-failover'),
      startCluster({ name: 'ctrl-failover-west' }),
      startCluster({ name: 'ctrl-failover-south' }),
    ]);
    others = [west, south];
    rests = others.map((c) => new KubeRest(loadKubeConfig(c.kubeconfigPath)));
    repo = (await env.git.createRepo('testdata', testdata)).url;
    for (const [name, target] of [
      ['east', env.cluster],
      ['west', west],
      ['south', south],
    ] as const) {
      await registerCluster(
        { rest: env.rest, namespace: NAMESPACE },
        { name, server: target.server, credentials: { bearerToken: target.token, caData: target.ca } },
        { replace: false },
      );
    }
    // Every status write, in the order the API server stored them.
    watch = new ApplicationStore(loadKubeConfig(env.cluster.kubeconfigPath), NAMESPACE);
    watch.onChange((name, app) => {
      const by = app?.status?.reportedBy;
      if (!by) return;
      const writer = `${by.instance}@${by.actingSince ?? '?'}`;
      const runs = writes.get(name) ?? [];
      if (runs.at(-1) !== writer) runs.push(writer);
      writes.set(name, runs);
    });
    await watch.start();
  });
  after(async () => {
    for (const { child } of children.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    await watch?.stop();
    for (const rest of rests) rest.close();
    for (const cluster of others) await cluster.stop();
    await env?.stop();
  });

  test('a paused replica writes nothing until it joins again; a killed one is replaced; no app has two writers at once', async (t) => {
    const clusters = { east: env.cluster.server, west: others[0].server, south: others[1].server };
    const replicas = oneServerEach(Object.values(clusters));
    const [, paused, killed] = replicas;
    const ports = await freePorts(3);
    replicas.forEach((identity, i) => {
      const args = ['--port', String(ports[i]), '--shards', '--identity', identity];
      const child = startControllerProcess(env, [...args, '--lease-duration', String(LEASE_SECONDS)]);
      children.set(identity, { child, port: ports[i] });
    });
    const portOf = (identity: string) => children.get(identity)?.port as number;
    const processOf = (identity: string) => children.get(identity)?.child as ChildProcess;
    const counting = (identity: string, n: number) =>
      eventually(
        `${identity} to count ${n} replicas acting`,
        async () => ((await metric(portOf(identity), 'tiphys_shard_members')) === n ? true : undefined),
        slowly,
      );
    for (const identity of replicas) await counting(identity, 3);
    const ownerAmong = (cluster: keyof typeof clusters, members: string[]) =>
      ownerOf(normalizeServer(clusters[cluster]), members) as string;
    // The replicas are named in the order of the servers they own: east's is never stopped.
    const pausedCluster = 'west';
    const killedCluster = 'south';
    assert.equal(ownerAmong(pausedCluster, replicas), paused);
    assert.equal(ownerAmong(killedCluster, replicas), killed);

    // Two plain apps per cluster, and a sync held by its PreSync hook on each of the two
    // clusters whose replicas will be stopped.
    const apps = Object.keys(clusters).flatMap((cluster) =>
      [1, 2].map((n) => ({ name: `${cluster}-${n}`, cluster, path: 'deps/first' })),
    );
    const gated = [pausedCluster, killedCluster].map((cluster) => ({
      name: `gated-${cluster}`,
      cluster,
      path: 'gated-hook',
    }));
    for (const { name, cluster, path } of [...apps, ...gated]) {
      await createApp(env, name, {
        source: { repoURL: repo, path },
        destination: { cluster, namespace: name },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      });
    }
    const hookOf = (app: string) => `/api/v1/namespaces/${app}/pods/gated-migrate`;
    // The env of the cluster an app deploys to (west or south), to read and finish its hook.
    const on = (app: string): Env => ({ ...env, rest: app === `gated-west` ? rests[0] : rests[1] });
    const hooks = new Map<string, string | undefined>();
    for (const { name } of gated) {
      hooks.set(name, (await runningPod(on(name), hookOf(name), slowly)).metadata.uid);
      await waitForApp(env, name, (a) => a.status?.operationState?.phase === 'Running', 'Running', slowly);
    }
    const writerOf = async (app: string) => (await getApp(env, app)).status?.reportedBy?.instance;
    const [pausedApp, killedApp] = gated.map((g) => g.name);

    // SIGSTOP while its sync runs; its peers count it out once its Lease ran out, and the next
    // owner of its cluster writes the app's status.
    const pausedChild = processOf(paused);
    pausedChild.kill('SIGSTOP');
    const others2 = replicas.filter((r) => r !== paused);
    for (const identity of others2) await counting(identity, 2);
    const stand = ownerAmong(pausedCluster, others2);
    await eventually(
      `${pausedApp} written by ${stand}`,
      async () => (await writerOf(pausedApp)) === stand,
      slowly,
    );
    // SIGCONT: whatever it was doing resumes; it writes again only once it has joined again.
    pausedChild.kill('SIGCONT');
    for (const identity of replicas) await counting(identity, 3);
    await eventually(
      `${pausedApp} written by ${paused} again`,
      async () => (await writerOf(pausedApp)) === paused,
      slowly,
    );

    // SIGKILL in the middle of the other sync: a survivor takes the cluster and finishes it.
    processOf(killed).kill('SIGKILL');
    const killedAt = Date.now();
    const survivors = replicas.filter((r) => r !== killed);
    for (const identity of survivors) await counting(identity, 2);
    const countedOutMs = Date.now() - killedAt;
    const heir = ownerAmong(killedCluster, survivors);
    await eventually(
      `${killedApp} written by ${heir}`,
      async () => (await writerOf(killedApp)) === heir,
      slowly,
    );
    t.diagnostic(
      `killed replica counted out by both survivors ${(countedOutMs / 1000).toFixed(1)} s after SIGKILL; its app written by ${heir} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after (lease ${LEASE_SECONDS} s; target: within 30 s)`,
    );

    for (const { name } of gated) await finishHook(on(name), hookOf(name));
    for (const { name } of [...apps, ...gated]) {
      await waitForApp(env, name, syncedAndHealthy, 'Synced and Healthy', slowly);
    }
    for (const { name } of gated) {
      assert.equal(
        (await readObject(on(name), hookOf(name)))?.metadata.uid,
        hooks.get(name),
        `${name}: the hook ran once`,
      );
      assert.ok(
        await readObject(on(name), `/api/v1/namespaces/${name}/configmaps/after-hook`),
        `${name}: synced after its hook`,
      );
    }
    // The survivors have every cluster: a new app on the killed replica's cluster is synced.
    await createApp(env, 'after-kill', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { cluster: killedCluster, namespace: 'after-kill' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'after-kill', syncedAndHealthy, `synced by ${heir}`, slowly);
    assert.equal(await writerOf('after-kill'), heir);

    // Who wrote what: never two writers at once on one app, and only a replica that could own
    // the app's cluster (among the member sets the test went through).
    const memberSets = [replicas, others2, survivors];
    const clusterOf = new Map([...apps, ...gated].map((a) => [a.name, a.cluster as keyof typeof clusters]));
    clusterOf.set('after-kill', killedCluster);
    assert.deepEqual(overlaps(writes), [], 'an app written by a replica after another had taken it over');
    for (const [app, runs] of writes) {
      const cluster = clusterOf.get(app);
      if (!cluster) continue;
      const possible = new Set(memberSets.map((m) => ownerAmong(cluster, m)));
      for (const writer of runs) {
        const instance = writer.slice(0, writer.indexOf('@'));
        assert.ok(
          possible.has(instance),
          `${app} on ${cluster} written by ${instance}, which never owned it`,
        );
      }
    }
    assert.ok(
      (writes.get(pausedApp)?.length ?? 0) >= 3,
      `${pausedApp}: ${paused}, ${stand}, ${paused} again`,
    );
    assert.ok((writes.get(killedApp)?.length ?? 0) >= 2, `${killedApp}: ${killed}, then ${heir}`);
  });
});
