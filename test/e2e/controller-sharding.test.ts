// Sharding with real controller processes (docs/fleet.md): two replicas started with --shards
// split the apps of three registered clusters on two API servers, each app reconciled by the
// replica rendezvous hashing gives its cluster's server, never by both (two Cluster objects naming
// one server have one owner); when one replica is killed in the middle of a sync, the other takes
// its clusters once that replica's Lease has run out and finishes the sync, without running the
// hook again; when it comes back, the other releases the live caches of the clusters it gives
// back. Waits are for observable state (gauges, objects, Events).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
const slowly = 180_000;

/**
 * Two replica names between which the two servers go one each: the servers' ports are random,
 * so the names are chosen (the assignment is by server, not by the Clusters' names).
 */
function splitReplicas(control: string, other: string): [victim: string, survivor: string] {
  for (let i = 0; i < 100; i++) {
    const pair = [`replica-${i}a`, `replica-${i}b`];
    const victim = ownerOf(normalizeServer(control), pair) as string;
    if (ownerOf(normalizeServer(other), pair) !== victim)
      return [victim, pair.find((r) => r !== victim) as string];
  }
  throw new Error('no two replica names split the two servers');
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function metric(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // The sum over the metric's series (a counter has one per label set).
    const lines = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return lines.length === 0
      ? undefined
      : lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  } catch {
    return undefined;
  }
}

interface AppEvent {
  reason?: string;
  reportingInstance?: string;
}

describe('controller sharding', () => {
  let env: Env;
  let second: TestCluster;
  let repo: string;
  let replicas: string[];
  const children: ChildProcess[] = [];
  // east and north are one API server (the control cluster) registered twice; west is another.
  const clusters = ['east', 'west', 'north'];
  const serverOf = (cluster: string) => (cluster === 'west' ? second : env.cluster).server;
  const ownerOfCluster = (cluster: string) => ownerOf(normalizeServer(serverOf(cluster)), replicas) as string;

  /** Who reported each sync of an app (the Events' reportingInstance). */
  const syncReporters = async (app: string) => {
    const list = await env.rest.request<{ items: AppEvent[] }>(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/events`,
      { query: { fieldSelector: `involvedObject.name=${app}` } },
    );
    return new Set(
      list.items
        .filter((e) => e.reason === 'SyncStarted' || e.reason === 'SyncSucceeded')
        .map((e) => e.reportingInstance),
    );
  };

  before(async () => {
    [env, second] = await Promise.all([startEnv('ctrl-shards'), startCluster({ name: 'ctrl-shards-west' })]);
    replicas = splitReplicas(env.cluster.server, second.server);
    repo = (await env.git.createRepo('testdata', testdata)).url;
    for (const name of clusters) {
      const target = name === 'west' ? second : env.cluster;
      await registerCluster(
        { rest: env.rest, namespace: NAMESPACE },
        { name, server: target.server, credentials: { bearerToken: target.token, caData: target.ca } },
        { replace: false },
      );
    }
  });
  after(async () => {
    for (const child of children) await stopProcess(child, 'SIGKILL');
    await second?.stop();
    await env?.stop();
  });

  test('two replicas split the apps by cluster; killed mid-sync, one is replaced by the other after its Lease ran out', async () => {
    const ports = await freePorts(2);
    const processes = new Map<string, { child: ChildProcess; port: number }>();
    const startReplica = (identity: string, port: number) => {
      const args = ['--port', String(port), '--shards', '--identity', identity, '--lease-duration', '6'];
      const child = startControllerProcess(env, args);
      children.push(child);
      processes.set(identity, { child, port });
    };
    replicas.forEach((identity, i) => {
      startReplica(identity, ports[i]);
    });
    const portOf = (identity: string) => processes.get(identity)?.port as number;
    for (const identity of replicas) {
      await eventually(
        `${identity} to count both replicas`,
        async () => ((await metric(portOf(identity), 'tiphys_shard_members')) === 2 ? true : undefined),
        slowly,
      );
    }

    // Two apps per cluster, each in a namespace of its own.
    const apps = clusters.flatMap((cluster) => [1, 2].map((n) => ({ name: `${cluster}-${n}`, cluster })));
    for (const { name, cluster } of apps) {
      await createApp(env, name, {
        source: { repoURL: repo, path: 'deps/first' },
        destination: { cluster, namespace: name },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      });
    }
    for (const { name } of apps) await waitForApp(env, name, syncedAndHealthy, 'Synced and Healthy', slowly);
    for (const { name, cluster } of apps) {
      const reporters = await eventually(
        `${name}: its sync Events`,
        async () => {
          const found = await syncReporters(name);
          return found.size > 0 ? found : undefined;
        },
        slowly,
      );
      assert.deepEqual(
        [...reporters],
        [ownerOfCluster(cluster)],
        `${name} synced by its cluster's owner only`,
      );
    }
    // The one server registered twice has one owner: both names' apps went to the same replica.
    assert.deepEqual(
      [...(await syncReporters('east-1'))],
      [...(await syncReporters('north-1'))],
      'east and north (one server) synced by one replica',
    );
    for (const identity of replicas) {
      assert.ok(
        ((await metric(portOf(identity), 'tiphys_app_reconcile_total')) ?? 0) >= 1,
        `${identity} worked`,
      );
    }

    // A sync held by its PreSync hook on a cluster of the control server's owner, killed meanwhile.
    const [victim, survivor] = replicas;
    const cluster = 'east';
    assert.equal(ownerOfCluster(cluster), victim);
    await createApp(env, 'gated', {
      source: { repoURL: repo, path: 'gated-hook' },
      destination: { cluster, namespace: 'gated' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const hookPath = '/api/v1/namespaces/gated/pods/gated-migrate';
    const hook = await runningPod(env, hookPath, slowly);
    const running = await waitForApp(
      env,
      'gated',
      (a) => a.status?.operationState?.phase === 'Running',
      'Running',
      slowly,
    );
    await stopProcess(processes.get(victim)?.child as ChildProcess, 'SIGKILL');
    await eventually(
      `${survivor} to count ${victim} out once its Lease ran out`,
      async () => ((await metric(portOf(survivor), 'tiphys_shard_members')) === 1 ? true : undefined),
      slowly,
    );
    assert.equal(
      (await readObject(env, hookPath))?.metadata.uid,
      hook.metadata.uid,
      'the hook was not created again',
    );

    await env.rest.request('PATCH', `${hookPath}/status`, {
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
              state: {
                terminated: {
                  exitCode: 0,
                  reason: 'Completed',
                  startedAt: new Date().toISOString(),
                  finishedAt: new Date().toISOString(),
                },
              },
            },
          ],
        },
      },
    });
    const done = await waitForApp(
      env,
      'gated',
      (a) => a.status?.operationState?.phase === 'Succeeded',
      `the sync finished by ${survivor}`,
      slowly,
    );
    assert.equal(
      done.status?.operationState?.startedAt,
      running.status?.operationState?.startedAt,
      'the same operation',
    );
    assert.equal((await readObject(env, hookPath))?.metadata.uid, hook.metadata.uid, 'the hook ran once');
    assert.ok(await readObject(env, '/api/v1/namespaces/gated/configmaps/after-hook'));
    const finishers = await eventually(
      'the SyncSucceeded Event',
      async () => {
        const list = await env.rest.request<{ items: AppEvent[] }>(
          'GET',
          `/api/v1/namespaces/${NAMESPACE}/events`,
          {
            query: { fieldSelector: 'involvedObject.name=gated' },
          },
        );
        const succeeded = list.items.filter((e) => e.reason === 'SyncSucceeded');
        return succeeded.length > 0 ? succeeded.map((e) => e.reportingInstance) : undefined;
      },
      slowly,
    );
    assert.deepEqual(finishers, [survivor]);

    // The survivor now has every cluster: a new app on the victim's cluster is synced.
    await createApp(env, 'after-kill', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { cluster, namespace: 'after-kill' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'after-kill', syncedAndHealthy, `synced by ${survivor}`, slowly);
    assert.deepEqual([...(await syncReporters('after-kill'))], [survivor]);
    assert.ok((await getApp(env, 'after-kill')).status?.sync?.revision);

    // The victim comes back: the survivor gives its clusters back and, once the grace is over,
    // drops their live caches (watches and objects), keeping the cache of its own cluster.
    const watched = (port: number, cluster: string) =>
      metric(port, `tiphys_cluster_cache_kinds{cluster="${cluster}"}`);
    assert.ok(((await watched(portOf(survivor), cluster)) ?? 0) > 0, `${survivor} watches ${cluster} now`);
    const [port] = await freePorts(1);
    startReplica(victim, port);
    await eventually(
      `${survivor} to drop the caches of east and north`,
      async () => {
        const left = await Promise.all(['east', 'north'].map((c) => watched(portOf(survivor), c)));
        return left.every((kinds) => (kinds ?? 0) === 0) ? true : undefined;
      },
      slowly,
    );
    assert.ok(((await watched(portOf(survivor), 'west')) ?? 0) > 0, `${survivor} keeps the cache of west`);
  });
});
