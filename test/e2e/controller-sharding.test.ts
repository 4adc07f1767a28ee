// Sharding with real controller processes (docs/fleet.md): two replicas started with --shards
// split the apps of three registered clusters, each app reconciled by the replica rendezvous
// hashing gives its cluster, never by both; when one replica is killed in the middle of a sync,
// the other takes its clusters once that replica's Lease has run out and finishes the sync,
// without running the hook again. Waits are for observable state (gauges, objects, Events).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../../src/core/sharding/assign.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
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
const replicas = ['replica-a', 'replica-b'];

/** Three cluster names that the two replicas split (each owns at least one). */
function splitClusters(): string[] {
  const candidates = ['east', 'west', 'north', 'south', 'edge', 'core', 'lab', 'prod'];
  for (let i = 0; i + 3 <= candidates.length; i++) {
    const three = candidates.slice(i, i + 3);
    const owners = new Set(three.map((c) => ownerOf(c, replicas)));
    if (owners.size === 2) return three;
  }
  throw new Error('no three candidate clusters split between the replicas');
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
  let repo: string;
  const children: ChildProcess[] = [];
  const clusters = splitClusters();
  const ownerOfCluster = (cluster: string) => ownerOf(cluster, replicas) as string;

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
    env = await startEnv('ctrl-shards');
    repo = (await env.git.createRepo('testdata', testdata)).url;
    for (const name of clusters) {
      await registerCluster(
        { rest: env.rest, namespace: NAMESPACE },
        {
          name,
          server: env.cluster.server,
          credentials: { bearerToken: env.cluster.token, caData: env.cluster.ca },
        },
        { replace: false },
      );
    }
  });
  after(async () => {
    for (const child of children) await stopProcess(child, 'SIGKILL');
    await env?.stop();
  });

  test('two replicas split the apps by cluster; killed mid-sync, one is replaced by the other after its Lease ran out', async () => {
    const ports = await freePorts(2);
    const processes = new Map<string, { child: ChildProcess; port: number }>();
    replicas.forEach((identity, i) => {
      const child = startControllerProcess(env, [
        '--port',
        String(ports[i]),
        '--shards',
        '--identity',
        identity,
        '--lease-duration',
        '6',
      ]);
      children.push(child);
      processes.set(identity, { child, port: ports[i] });
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
    for (const identity of replicas) {
      assert.ok(
        ((await metric(portOf(identity), 'tiphys_app_reconcile_total')) ?? 0) >= 1,
        `${identity} worked`,
      );
    }

    // A sync held by its PreSync hook on a cluster of replica-a; replica-a is killed meanwhile.
    const victim = 'replica-a';
    const survivor = 'replica-b';
    const cluster = clusters.find((c) => ownerOfCluster(c) === victim) as string;
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
  });
});
