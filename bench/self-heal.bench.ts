// Self-heal latency: a Deployment of an automated app (selfHeal on) is scaled by hand, and the
// API server is polled every 20 ms until spec.replicas is back to the Git value.
// Floor: the read-after-write round trip of the same patch (PATCH, then GET until it shows) on
// an identical Deployment that no app manages, so nothing reverts it.
// Target: p50 < 1 s.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../src/core/manifest/object.ts';
import { createApp, getApp, startEnv, startInProcessController, waitForApp } from '../test/e2e/support.ts';
import { automatedSpec, deploymentYaml, pollUntil, syncSucceeded, writeFiles } from './gitops.ts';
import { median, percentile, report } from './stats.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const namespace = 'bench-heal';
const name = 'heal';
const gitReplicas = 2;
const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
const floorNamespace = 'bench-heal-floor';
const floorPath = `/apis/apps/v1/namespaces/${floorNamespace}/deployments/${name}`;

const work = mkdtempSync(join(tmpdir(), 'tiphys-bench-heal-'));
const env = await startEnv('bench-heal');
const controller = startInProcessController(env);
const floors: number[] = [];
const heals: number[] = [];
try {
  await controller.start();
  writeFiles(work, { 'deployment.yaml': deploymentYaml(name, namespace, gitReplicas) });
  const { url } = await env.git.createRepo('heal', work);
  await createApp(env, 'heal', automatedSpec(url, '.', namespace));
  await waitForApp(env, 'heal', syncSucceeded, 'first sync', 120_000);

  // The unmanaged twin, for the floor.
  await env.rest.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: floorNamespace } },
  });
  await env.rest.request('POST', `/apis/apps/v1/namespaces/${floorNamespace}/deployments`, {
    body: deploymentObject(name, floorNamespace, gitReplicas),
  });

  const replicas = async (at: string) =>
    (await env.rest.request<{ spec?: { replicas?: number } }>('GET', at)).spec?.replicas;
  const scaleTo = (at: string, n: number) =>
    env.rest.request('PATCH', at, {
      body: { spec: { replicas: n } },
      contentType: 'application/merge-patch+json',
    });

  for (let i = 0; i < rounds; i++) {
    const drifted = gitReplicas + 1 + i;
    // Floor: the time for the API server to show our own write, the least any reaction can take.
    const writeStart = performance.now();
    await scaleTo(floorPath, drifted);
    floors.push(
      await pollUntil(`replicas ${drifted} visible`, async () => (await replicas(floorPath)) === drifted, {
        start: writeStart,
        // The same polling as the heal's below: a floor polled faster would be smaller by up to
        // one interval for no reason of the controller's.
        intervalMs: 20,
        timeoutMs: 10_000,
      }),
    );
    // Self-heal: the same drift on the managed Deployment; wait for the Git value to come back.
    const healStart = performance.now();
    await scaleTo(path, drifted);
    heals.push(
      await pollUntil(`replicas back to ${gitReplicas}`, async () => (await replicas(path)) === gitReplicas, {
        start: healStart,
        intervalMs: 20,
        timeoutMs: 60_000,
        describe: async () => JSON.stringify((await getApp(env, 'heal')).status, null, 1).slice(0, 3000),
      }),
    );
    // Start the next round from a settled app, not in the middle of the previous heal.
    await waitForApp(env, 'heal', syncSucceeded, `settled after round ${i + 1}`, 60_000);
    await sleep(300);
  }
} finally {
  await controller.stop();
  await env.stop();
  rmSync(work, { recursive: true, force: true });
}
function deploymentObject(deployment: string, ns: string, count: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deployment, namespace: ns },
    spec: {
      replicas: count,
      selector: { matchLabels: { app: deployment } },
      template: {
        metadata: { labels: { app: deployment } },
        spec: { containers: [{ name: 'app', image: 'registry.example/bench:1' }] },
      },
    },
  };
}

const floor = { name: 'PATCH + GET read-after-write', value: median(floors) };
report(`read-after-write of a scale (p50 of ${rounds})`, floor.value, 'ms');
report(`self-heal of a scaled Deployment, p50 (${rounds})`, median(heals), 'ms', floor, {
  max: 1000,
  source: 'issue 3',
});
report(`self-heal of a scaled Deployment, p95 (${rounds})`, percentile(heals, 95), 'ms', {
  name: 'read-after-write p95',
  value: percentile(floors, 95),
});
