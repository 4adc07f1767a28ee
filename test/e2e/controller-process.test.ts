// The controller as real processes: killed mid-sync it resumes without running a hook twice, and
// of two replicas only the Lease holder acts.
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
  startControllerProcess,
  startEnv,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');

async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function leaderGauge(port: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('tiphys_controller_leader '));
    return line ? Number(line.split(' ')[1]) : undefined;
  } catch {
    return undefined;
  }
}

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

  test('a controller killed during a sync resumes it after restart without running the hook twice', async () => {
    const first = startControllerProcess(env, ['--no-leader-election']);
    children.push(first);
    await createApp(env, 'resumable', {
      source: { repoURL: repo, path: 'slow-hook' },
      destination: { namespace: 'resume' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const job = await eventually('the PreSync hook Job to run', async () => {
      const found = await readObject(env, '/apis/batch/v1/namespaces/resume/jobs/slow-migrate');
      return found?.metadata.uid ? found : undefined;
    });
    // The hook runs for 8 s: the operation is persisted as Running while it does.
    const running = await waitForApp(
      env,
      'resumable',
      (a) => a.status?.operationState?.phase === 'Running',
      'Running',
    );
    await stopProcess(first, 'SIGKILL');
    assert.equal(await readObject(env, '/api/v1/namespaces/resume/configmaps/after-hook'), undefined);

    const second = startControllerProcess(env, ['--no-leader-election']);
    children.push(second);
    const done = await waitForApp(
      env,
      'resumable',
      (a) => a.status?.operationState?.phase === 'Succeeded',
      'resumed sync',
    );
    assert.equal(
      done.status?.operationState?.startedAt,
      running.status?.operationState?.startedAt,
      'the same operation',
    );
    const jobAfter = await readObject(env, '/apis/batch/v1/namespaces/resume/jobs/slow-migrate');
    assert.equal(jobAfter?.metadata.uid, job.metadata.uid, 'the hook was not created again');
    assert.ok(await readObject(env, '/api/v1/namespaces/resume/configmaps/after-hook'));
    await stopProcess(second);
  });

  test('of two replicas only the Lease holder acts, and the other takes over when it stops', async () => {
    const [portA, portB] = await freePorts(2);
    const a = startControllerProcess(env, ['--port', String(portA)]);
    const b = startControllerProcess(env, ['--port', String(portB)]);
    children.push(a, b);
    const leaders = await eventually('one leader', async () => {
      const gauges = [await leaderGauge(portA), await leaderGauge(portB)];
      return gauges.every((g) => g !== undefined) && gauges[0] !== gauges[1] ? gauges : undefined;
    });
    assert.deepEqual([...leaders].sort(), [0, 1]);
    const lease = (await env.rest.request(
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/tiphys/leases/tiphys-controller',
    )) as {
      spec: { holderIdentity: string };
    };
    assert.ok(lease.spec.holderIdentity);
    const [leader, standby, standbyPort] = leaders[0] === 1 ? [a, b, portB] : [b, a, portA];
    await stopProcess(leader);
    await eventually(
      'the standby to lead',
      async () => ((await leaderGauge(standbyPort)) === 1 ? true : undefined),
      30_000,
    );
    await createApp(env, 'after-failover', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'failover' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await waitForApp(env, 'after-failover', syncedAndHealthy, 'synced by the new leader');
    await stopProcess(standby);
  });
});
