// Notifications end to end: a real cluster, a real Git server, the controller in-process, and an
// HTTP receiver started here. A failing sync is notified once, a deployment once, and a hundred
// reconciles of the unchanged apps send nothing more. And as the attacker: deliveries that fail
// (a webhook URL with credentials and a token, an SMTP server that echoes the password in its
// refusal) are shown by `tiphys app get`, text and JSON, and the app's Events without a secret.
// An app deleted while no controller runs is told once by the next controller, and a receiver
// that keeps failing holds a deletion only for the delivery's retries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { Controller } from '../../src/controller/controller.ts';
import { NOTIFY_FINALIZER } from '../../src/controller/notifications/deletion-notice.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  applicationObject,
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');
const HMAC = 'e2e-hmac-secret';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tiphys.mjs');
/** Secret parts of the failing services' settings: none may be shown anywhere. */
const LEAKS = ['leak-user-0', 'leak-pass-1', 'leak-path-2', 'leak-query-3', 'smtp-user-4', 'smtp-pass-5'];
const automated = { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] };

describe('notifications', () => {
  let env: Env;
  let controller: Controller;
  let receiver: Server;
  let repo: string;
  const received: { path: string; body: string; signature: string }[] = [];
  /** Requests to the receiver's failing path (it answers 503). */
  let downHits = 0;
  let smtp: SMTPServer;

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        if (req.url === '/down') {
          downHits++;
          res.writeHead(503).end();
          return;
        }
        received.push({
          path: req.url ?? '',
          body,
          signature: String(req.headers['x-tiphys-signature-256']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const url = `${receiverBase}/hooks/secret-path`;
    // A port nobody listens on: the webhook's connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const leakyUrl = `http://leak-user-0:leak-pass-1@127.0.0.1:${closedPort}/hooks/leak-path-2?token=leak-query-3`;
    // A hostile mail server: it refuses the login and repeats the credentials in its answer.
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        callback(new Error(`no such account ${auth.username} with password ${auth.password}`));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    env = await startEnv('notifications');
    repo = (await env.git.createRepo('testdata', testdata)).url;
    const ns = `/api/v1/namespaces/${NAMESPACE}`;
    await env.rest.request('POST', `${ns}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tiphys-notifications-secret' },
        stringData: {
          'hook-url': url,
          'down-url': `${receiverBase}/down`,
          hmac: HMAC,
          'leaky-url': leakyUrl,
          'smtp-user': 'smtp-user-4',
          'smtp-password': 'smtp-pass-5',
        },
      },
    });
    await env.rest.request('POST', `${ns}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-notifications-cm' },
        data: {
          'service.webhook.team': 'url: $hook-url\nsecret: $hmac',
          'service.webhook.leaky': 'url: $leaky-url',
          'service.webhook.down': 'url: $down-url',
          'service.email': `host: 127.0.0.1\nport: ${smtpPort}\nfrom: tiphys@example.com\nusername: $smtp-user\npassword: $smtp-password\nrecipientDomains: [example.com]`,
          delivery: 'retries: 1\nbackoffMs: 50\ntimeoutMs: 5000',
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
    await new Promise<void>((resolve) => (smtp ? smtp.close(resolve) : resolve()));
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

  test('attacker: failed deliveries are shown per trigger and destination by app get and Events, without a secret', async () => {
    await createSubscribedApp('leaky', 'deps/first', {
      'notifications.tiphys.dev/subscribe.on-deployed.leaky': '',
      'notifications.tiphys.dev/subscribe.on-deployed.email': 'ops@example.com',
    });
    const failedBoth = (a: Application) =>
      ['leaky', 'email'].every((service) =>
        (a.status?.notifications ?? []).some((r) => r.service === service && r.outcome === 'Failed'),
      );
    const app = await waitForApp(env, 'leaky', failedBoth, 'both deliveries failed', 180_000);
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args, '--kubeconfig', env.cluster.kubeconfigPath], {
          env: { ...process.env, TIPHYS_CONFIG: '/nonexistent/config.json' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
        });
        child.stderr.on('data', (chunk) => {
          out += chunk;
        });
        child.on('close', (code) => resolve({ code, out }));
      });
    const text = await cli(['app', 'get', 'leaky', '-n', NAMESPACE]);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, /^TRIGGER +SERVICE +RECIPIENT +RESULT +ATTEMPTS +AT +MESSAGE$/m);
    assert.match(text.out, /^on-deployed +leaky +Failed +2 +\S+ +.*127\.0\.0\.1/m);
    assert.match(text.out, /^on-deployed +email +ops@example\.com +Failed +\d+ +\S+ +\S/m);
    const json = await cli(['app', 'get', 'leaky', '-n', NAMESPACE, '-o', 'json']);
    assert.equal(json.code, 0, json.out);
    assert.equal(
      (JSON.parse(json.out) as Application).status?.notifications?.filter((r) => r.outcome === 'Failed')
        .length,
      2,
    );
    const events = await env.rest.request<{ items: { message: string; involvedObject: { name: string } }[] }>(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/events`,
    );
    const failures = events.items.filter(
      (e) => e.involvedObject.name === 'leaky' && e.message.startsWith('notification'),
    );
    assert.ok(failures.length >= 2, JSON.stringify(failures));
    const everything = [text.out, json.out, JSON.stringify(app.status), JSON.stringify(failures)].join('\n');
    for (const secret of LEAKS) assert.ok(!everything.includes(secret), `${secret} shown: ${everything}`);
  });

  test('on-deleted: an app deleted while no controller runs is told once by the next one; a failing receiver holds it only for the retries', async () => {
    const appsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`;
    const subscribed = async (name: string, service: string, finalizers: string[] = []) => {
      const app = applicationObject(name, {
        source: { repoURL: repo, path: 'deps/first' },
        destination: { namespace: name },
      });
      app.metadata.annotations = { [`notifications.tiphys.dev/subscribe.on-deleted.${service}`]: '' };
      app.metadata.finalizers = finalizers;
      await env.rest.request('POST', appsPath, { body: app });
    };
    // A cascade first (nothing deployed: it ends at once), then the notice.
    await subscribed('told', 'team', ['resources-finalizer.tiphys.dev']);
    await subscribed('unheard', 'down');
    const held = (a: Application) => (a.metadata.finalizers ?? []).includes(NOTIFY_FINALIZER);
    await waitForApp(env, 'told', held, 'the notification finalizer', 60_000);
    await waitForApp(env, 'unheard', held, 'the notification finalizer', 60_000);

    await controller.stop();
    for (const name of ['told', 'unheard']) await env.rest.request('DELETE', `${appsPath}/${name}`);
    // No controller: the finalizer holds both deletions.
    for (const name of ['told', 'unheard']) {
      const app = await getApp(env, name);
      assert.ok((app.metadata as { deletionTimestamp?: string }).deletionTimestamp, name);
    }
    const toldBodies = () =>
      received.filter((r) => r.body.includes('Application told has been deleted')).length;
    assert.equal(toldBodies(), 0);
    assert.equal(downHits, 0);

    controller = startInProcessController(env);
    await controller.start();
    const gone = async (name: string) => (await readObject(env, `${appsPath}/${name}`)) === undefined;
    await eventually('told and unheard deleted', async () => (await gone('told')) && (await gone('unheard')));
    // Every delivery of the deletions (and any second one the watch would start) has ended.
    await eventually(
      'the controller saw both go',
      async () => !controller.apps.get('told') && !controller.apps.get('unheard'),
    );
    await controller.notifier.idle();
    assert.equal(toldBodies(), 1, 'told exactly once');
    // delivery retries: 1, so a receiver that keeps failing gets two attempts, then the app goes.
    assert.equal(downHits, 2);
  });
});
