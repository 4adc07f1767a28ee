// Cluster notifications through the real controller (docs/notifications.md, Clusters): a webhook
// receiver started here gets one message when a registered cluster is lost and one when its
// recovery ends (succeeded or failed), however many probes follow; and no message carries a
// cluster's token (the attacker's hope: a template dumping the whole cluster). The last result of
// each trigger and destination is on the Cluster's status (a destination nobody listens at:
// Failed, with why) and in `tiphys cluster get`.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { Cluster } from '../../src/core/model/cluster.ts';
import { parseRecoveryActions } from '../../src/core/model/recovery-actions.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { type Env, eventually, NAMESPACE, startEnv, startInProcessController } from './support.ts';

const GHOST_TOKEN = 'ghost-cluster-token-0123456789abcdefghij';
const subscribe = (trigger: string) => `notifications.tiphys.dev/subscribe.${trigger}.ops`;

describe('cluster notifications', () => {
  let env: Env;
  let controller: Controller;
  let receiver: Server;
  const messages: { title: string; message: string }[] = [];
  const count = (pattern: RegExp) => messages.filter((m) => pattern.test(m.message)).length;

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        messages.push(JSON.parse(body) as { title: string; message: string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    env = await startEnv('cluster-notify');
    const replacement = JSON.stringify({
      server: env.cluster.server,
      bearerToken: env.cluster.token,
      caData: env.cluster.ca,
    });
    const actions = parseRecoveryActions(
      JSON.stringify({
        actions: {
          'reuse-control': {
            command: [process.execPath, '-e', 'process.stdout.write(process.env.REPLACEMENT)'],
            env: { REPLACEMENT: replacement },
            maxAttempts: 1,
          },
          fails: { command: [process.execPath, '-e', 'process.exit(3)'], maxAttempts: 1 },
        },
      }),
      'test actions',
    );
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-notifications-cm' },
        data: {
          'service.webhook.ops': `url: ${url}`,
          // Nobody listens there: its deliveries fail, and the Cluster's status says so.
          'service.webhook.down': 'url: http://127.0.0.1:9/hook',
          delivery: 'retries: 0\ntimeoutMs: 5000',
          clusterSubscriptions:
            '- recipients: [ops]\n  triggers: [on-cluster-recovered, on-cluster-recovery-failed]\n',
          // The attacker's template: the whole cluster as the template sees it.
          'template.cluster-lost': 'title: "lost {{cluster.metadata.name}}"\nmessage: "lost: {{cluster}}"',
        },
      },
    });
    controller = startInProcessController(env, { recoveryActions: actions, clusterProbeIntervalMs: 1_000 });
    await controller.start();
  });

  after(async () => {
    await controller?.stop();
    receiver?.close();
    await env?.stop();
  });

  const register = async (
    name: string,
    recovery: Record<string, unknown> | undefined,
    annotations: Record<string, string> = {},
  ) => {
    await registerCluster(
      { rest: env.rest, namespace: NAMESPACE },
      { name, server: 'https://127.0.0.1:9', credentials: { bearerToken: GHOST_TOKEN } },
      { replace: false },
    );
    await env.rest.request('PATCH', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/${name}`, {
      body: {
        metadata: { annotations: { [subscribe('on-cluster-lost')]: '', ...annotations } },
        spec: { health: { lostAfterSeconds: 2, stableAfterSeconds: 1 }, ...(recovery ? { recovery } : {}) },
      },
      contentType: 'application/merge-patch+json',
    });
  };

  test('a loss and the end of its recovery are each notified once; no token in any message', async () => {
    await register('phoenix', { mode: 'auto', action: 'reuse-control' });
    await register(
      'ghost',
      { mode: 'auto', action: 'fails' },
      { 'notifications.tiphys.dev/subscribe.on-cluster-lost.down': '' },
    );
    await eventually(
      'four messages: two losses, one recovery, one failure',
      async () =>
        count(/Cluster phoenix is recovered/) === 1 && count(/The recovery of cluster ghost failed/) === 1
          ? messages.length
          : undefined,
      180_000,
      async () => JSON.stringify(messages, null, 1),
    );
    // Many probes later (a third cluster is lost only after 2 s of them), nothing was sent again.
    await register('marker', undefined);
    await eventually(
      'the marker cluster is notified',
      async () => (count(/"name":"marker"/) === 1 ? true : undefined),
      120_000,
    );
    assert.equal(count(/"name":"phoenix"/), 1, 'phoenix lost once');
    assert.equal(count(/"name":"ghost"/), 1, 'ghost lost once');
    assert.equal(count(/Cluster phoenix is recovered/), 1);
    assert.equal(count(/The recovery of cluster ghost failed after 1 attempt/), 1);
    assert.equal(messages.length, 5, JSON.stringify(messages, null, 1));
    const all = JSON.stringify(messages);
    for (const secret of [GHOST_TOKEN, env.cluster.token, 'credentialsSecret', 'cluster-ghost']) {
      assert.ok(!all.includes(secret), `${secret} reached a message`);
    }
  });

  test('the last result of each trigger and destination is on the Cluster status and in cluster get', async () => {
    const results = (name: string, want: string[]) =>
      eventually(
        `${name}: notification results ${want.join(', ')}`,
        async () => {
          const c = await env.rest.request<Cluster>(
            'GET',
            `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/${name}`,
          );
          const have = (c.status?.notifications ?? []).map((r) => `${r.trigger}/${r.service}/${r.outcome}`);
          return want.every((w) => have.includes(w)) ? (c.status?.notifications ?? []) : undefined;
        },
        60_000,
      );
    const phoenix = await results('phoenix', [
      'on-cluster-lost/ops/Delivered',
      'on-cluster-recovered/ops/Delivered',
    ]);
    assert.equal(phoenix.length, 2, 'one result per trigger and destination');
    const ghost = await results('ghost', [
      'on-cluster-lost/ops/Delivered',
      'on-cluster-lost/down/Failed',
      'on-cluster-recovery-failed/ops/Delivered',
    ]);
    assert.match(
      ghost.find((r) => r.service === 'down')?.message ?? '',
      /127\.0\.0\.1:9 could not be reached/,
    );
    const shown = await runTiphysProcess(env.cluster.kubeconfigPath, ['cluster', 'get', 'ghost']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Recovery:\s+Failed/);
    assert.match(shown.stdout, /on-cluster-lost\s+down\s+Failed/);
    assert.match(shown.stdout, /on-cluster-recovery-failed\s+ops\s+Delivered/);
    assert.ok(!shown.stdout.includes(GHOST_TOKEN), 'no token in cluster get');
  });
});
