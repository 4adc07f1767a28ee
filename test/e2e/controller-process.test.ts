// The controller as real processes: killed mid-sync it resumes without running a hook twice, and
// of two replicas only the Lease holder acts; the other takes over when the leader stops or dies.
// Every wait is for something observable (a gauge, a counter, an object), never a fixed time.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePorts } from '../../testbed/src/ports.ts';
import {
  createApp,
  type Env,
  eventually,
  readObject,
  runningPod,
  startControllerProcess,
  startEnv,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');
/** Starting a process, electing, a lease running out: generous, as the machine may be loaded. */
const slowly = 180_000;

async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** The sum of a metric's series on a controller's /metrics; undefined while it does not answer. */
async function metric(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  } catch {
    return undefined;
  }
}

const leaderGauge = (port: number) => metric(port, 'tiphys_controller_leader');
const reconciles = (port: number) => metric(port, 'tiphys_app_reconcile_total');

describe('controller processes', () => {
  let env: Env;
  let repo: string;
  const children: ChildProcess[] = [];
  before(async () => {
    env = await startEnv('ctrl-process');
    repo = (await env.git.createRepo('testdata', testdata)).url;
  });
  after(async () => {
    for (const child of children) await stopProcess(child, 'SIGKILL');
    await env?.stop();
  });

  const start = (port: number, args: string[] = []) => {
    const child = startControllerProcess(env, ['--port', String(port), ...args]);
    children.push(child);
    return child;
  };

  test('a controller killed during a sync resumes it after restart without running the hook twice', async () => {
    const [firstPort, secondPort] = await freePorts(2);
    const first = start(firstPort, ['--no-leader-election']);
    await createApp(env, 'resumable', {
      source: { repoURL: repo, path: 'gated-hook' },
      destination: { namespace: 'resume' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const hookPath = '/api/v1/namespaces/resume/pods/gated-migrate';
    // The hook Pod stays Running until this test ends it, so the kill lands mid-hook for sure.
    const hook = await runningPod(env, hookPath, slowly);
    const running = await waitForApp(
      env,
      'resumable',
      (a) => a.status?.operationState?.phase === 'Running',
      'Running',
      slowly,
    );
    await stopProcess(first, 'SIGKILL');
    assert.equal(await readObject(env, '/api/v1/namespaces/resume/configmaps/after-hook'), undefined);

    start(secondPort, ['--no-leader-election']);
    // The new process has looked at the operation while the hook still runs.
    await eventually(
      'the restarted controller to reconcile',
      async () => (((await reconciles(secondPort)) ?? 0) >= 1 ? true : undefined),
      slowly,
    );
    const stillRunning = (await readObject(env, hookPath)) as typeof hook;
    assert.equal(stillRunning?.metadata.uid, hook.metadata.uid, 'the hook was not created again');
    assert.equal(stillRunning?.status?.phase, 'Running');
    assert.equal(await readObject(env, '/api/v1/namespaces/resume/configmaps/after-hook'), undefined);

    const now = new Date().toISOString();
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
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
            },
          ],
        },
      },
    });
    const done = await waitForApp(
      env,
      'resumable',
      (a) => a.status?.operationState?.phase === 'Succeeded',
      'resumed sync',
      slowly,
    );
    assert.equal(
      done.status?.operationState?.startedAt,
      running.status?.operationState?.startedAt,
      'the same operation',
    );
    const hookAfter = await readObject(env, hookPath);
    assert.equal(hookAfter?.metadata.uid, hook.metadata.uid, 'the hook was not created again');
    assert.ok(await readObject(env, '/api/v1/namespaces/resume/configmaps/after-hook'));
  });

  test('of two replicas only the Lease holder acts; a standby takes over when the leader stops or is killed', async () => {
    for (const child of children) await stopProcess(child);
    const [portA, portB, portC] = await freePorts(3);
    const a = start(portA);
    const b = start(portB);
    const leaders = await eventually(
      'one leader and one standby',
      async () => {
        const gauges = [await leaderGauge(portA), await leaderGauge(portB)];
        return gauges.every((g) => g !== undefined) && gauges[0] !== gauges[1] ? gauges : undefined;
      },
      slowly,
    );
    assert.deepEqual([...leaders].sort(), [0, 1]);
    const lease = (await env.rest.request(
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/tiphys/leases/tiphys-controller',
    )) as { spec: { holderIdentity: string } };
    assert.ok(lease.spec.holderIdentity);
    const [leader, leaderPort, standby, standbyPort] =
      leaders[0] === 1 ? [a, portA, b, portB] : [b, portB, a, portA];

    // Only the leader reconciles: the standby's counter stays at 0 while the leader syncs an app.
    await createApp(env, 'led', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'led' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'led', syncedAndHealthy, 'synced by the leader', slowly);
    assert.ok(((await reconciles(leaderPort)) ?? 0) >= 1, 'the leader reconciled');
    assert.equal(await reconciles(standbyPort), 0, 'the standby reconciled nothing');
    assert.equal(await leaderGauge(standbyPort), 0);

    // A leader that stops releases the Lease.
    await stopProcess(leader);
    await eventually(
      'the standby to lead',
      async () => ((await leaderGauge(standbyPort)) === 1 ? true : undefined),
      slowly,
    );
    await createApp(env, 'after-failover', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'failover' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'after-failover', syncedAndHealthy, 'synced by the new leader', slowly);

    // A leader killed cannot release it: a new standby takes over once the Lease runs out.
    start(portC);
    await eventually(
      'the third replica to stand by',
      async () => ((await leaderGauge(portC)) === 0 ? true : undefined),
      slowly,
    );
    assert.equal(await reconciles(portC), 0, 'a standby reconciles nothing');
    await stopProcess(standby, 'SIGKILL');
    await eventually(
      'the third replica to lead after the Lease ran out',
      async () => ((await leaderGauge(portC)) === 1 ? true : undefined),
      slowly,
    );
    await createApp(env, 'after-crash', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'after-crash' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'after-crash', syncedAndHealthy, 'synced after the crash', slowly);
    assert.ok(((await reconciles(portC)) ?? 0) >= 1, 'the new leader reconciled');
  });
});
