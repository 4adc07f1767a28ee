// Notifications end to end: a real cluster, a real Git server, the controller in-process, and an
// HTTP receiver started here. A failing sync is notified once, a deployment once, and a hundred
// reconciles of the unchanged apps send nothing more.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  applicationObject,
  type Env,
  eventually,
  NAMESPACE,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');
const HMAC = 'e2e-hmac-secret';
const automated = { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] };

describe('notifications', () => {
  let env: Env;
  let controller: Controller;
  let receiver: Server;
  let repo: string;
  const received: { path: string; body: string; signature: string }[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          body,
          signature: String(req.headers['x-tiphys-signature-256']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/secret-path`;
    env = await startEnv('notifications');
    repo = (await env.git.createRepo('testdata', testdata)).url;
    const ns = `/api/v1/namespaces/${NAMESPACE}`;
    await env.rest.request('POST', `${ns}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tiphys-notifications-secret' },
        stringData: { 'hook-url': url, hmac: HMAC },
      },
    });
    await env.rest.request('POST', `${ns}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-notifications-cm' },
        data: {
          'service.webhook.team': 'url: $hook-url\nsecret: $hmac',
          'template.app-sync-failed':
            'message: "{{app.metadata.name}} failed: {{app.status.operationState.message}}"',
          'template.app-deployed': 'message: "{{app.metadata.name}} deployed {{app.status.sync.revision}}"',
        },
      },
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
    receiver?.close();
  });

  const createSubscribedApp = async (name: string, path: string, annotations: Record<string, string>) => {
    const app = applicationObject(name, {
      source: { repoURL: repo, path },
      destination: { namespace: name },
      syncPolicy: automated,
    });
    app.metadata.annotations = annotations;
    await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`, {
      body: app,
    });
  };
  const reconciles = async () =>
    (await controller.metrics.reconciles.get()).values.reduce((sum, v) => sum + v.value, 0);
  const delivered = (app: Application) =>
    (app.status?.notifications ?? []).some((r) => r.outcome === 'Delivered');

  test('a failing sync and a deployment notify once each; 100 reconciles later nothing more is sent', async () => {
    // Subscribed from the start: an event before the subscription is not notified later.
    await createSubscribedApp('breaks', 'failing-hook', {
      'notifications.argoproj.io/subscribe.on-sync-failed.team': '',
    });
    await createSubscribedApp('works', 'deps/first', {
      'notifications.tiphys.dev/subscribe.on-deployed.team': '',
    });
    const failed = await waitForApp(env, 'breaks', delivered, 'the failure notified', 120_000);
    assert.equal(failed.status?.operationState?.phase, 'Failed');
    const deployed = await waitForApp(
      env,
      'works',
      (a) => syncedAndHealthy(a) && delivered(a),
      'deployed',
      120_000,
    );
    assert.equal(deployed.status?.notified?.['on-deployed'], deployed.status?.sync?.revision);

    for (let i = 0; i < 100; i++) {
      const before = await reconciles();
      controller.refresh('breaks');
      controller.refresh('works');
      await eventually(`reconcile ${i}`, async () => (await reconciles()) >= before + 2);
    }
    await controller.notifier.idle();
    const bodies = received.map((r) => JSON.parse(r.body) as { message: string });
    assert.equal(received.length, 2, JSON.stringify(bodies));
    assert.match(
      bodies.find((b) => b.message.startsWith('breaks'))?.message ?? '',
      /^breaks failed: .*migrate/,
    );
    assert.match(
      bodies.find((b) => b.message.startsWith('works'))?.message ?? '',
      /^works deployed [0-9a-f]{40}$/,
    );
    for (const r of received) {
      assert.equal(r.path, '/hooks/secret-path');
      assert.equal(r.signature, `sha256=${createHmac('sha256', HMAC).update(r.body).digest('hex')}`);
    }
  });
});
