// on-deleted through the notifier, against a real HTTP receiver started here: told while the app
// is being deleted (the finalizer's path) or when it disappears (the watch's path), never both,
// and a receiver that keeps failing ends the wait after the delivery's retries.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DeliveryQueue } from '../../adapters/notifications/delivery-queue.ts';
import type { Application } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import { parseNotificationConfig } from '../../core/notifications/config.ts';
import { toLogger } from '../log.ts';
import { ControllerMetrics } from '../metrics.ts';
import { NOTIFY_FINALIZER } from './deletion-notice.ts';
import { Notifier } from './notifier.ts';

describe('on-deleted through the notifier', () => {
  let http: Server;
  let base = '';
  const received: string[] = [];

  before(async () => {
    http = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(req.url ?? '');
        res.writeHead(req.url === '/down' ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(() => http?.close());

  const setup = () => {
    const config = parseNotificationConfig(
      {
        'service.webhook.up': `url: ${base}/up`,
        'service.webhook.down': `url: ${base}/down`,
        delivery: 'retries: 2\nbackoffMs: 10\ntimeoutMs: 5000',
      },
      {},
    );
    assert.deepEqual(config.errors, []);
    const writes: Partial<ApplicationStatus>[] = [];
    const notifier = new Notifier({
      settings: { get: async () => config },
      fetchProject: async () => undefined,
      patchStatus: async (_name, status) => void writes.push(status),
      recordEvent: async () => {},
      metrics: new ControllerMetrics(),
      log: toLogger(undefined),
      queue: new DeliveryQueue({ capacity: 10 }),
    });
    return { notifier, writes };
  };

  const app = (service: string, extra: Partial<Application> = {}, finalizers: string[] = []): Application =>
    ({
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'shop',
        namespace: 'tiphys',
        uid: 'u-1',
        finalizers,
        deletionTimestamp: '2026-11-30T12:00:00Z',
        annotations: { [`notifications.tiphys.dev/subscribe.on-deleted.${service}`]: '' },
      },
      spec: { source: { repoURL: 'https://git.example.com/x' }, destination: { namespace: 'shop' } },
      ...extra,
    }) as unknown as Application;

  test('told while being deleted, then gone: the watch does not tell it again (any replica)', async () => {
    received.length = 0;
    const { notifier } = setup();
    assert.equal(await notifier.tellDeletion(app('up', {}, [NOTIFY_FINALIZER])), true);
    assert.deepEqual(received, ['/up']);
    // What the replica watching deletions sees last: the record written before the finalizer went.
    await notifier.deleted(app('up', { status: { notified: { 'on-deleted': 'u-1' } } } as never));
    await notifier.idle();
    assert.deepEqual(received, ['/up']);
    // An app deleted without the finalizer (no controller saw it subscribed) is told by the watch.
    await notifier.deleted(app('up'));
    await notifier.idle();
    assert.deepEqual(received, ['/up', '/up']);
  });

  test('a receiver that keeps failing ends the wait after retries + 1 attempts', async () => {
    received.length = 0;
    const { notifier } = setup();
    assert.equal(await notifier.tellDeletion(app('down', {}, [NOTIFY_FINALIZER])), true);
    assert.deepEqual(received, ['/down', '/down', '/down']);
  });

  test('a status write during the cascade does not tell an app held by the finalizer', async () => {
    received.length = 0;
    const { notifier } = setup();
    const held = await notifier.evaluate(
      app('up', {}, ['resources-finalizer.tiphys.dev', NOTIFY_FINALIZER]),
      {},
    );
    held.send();
    await notifier.idle();
    assert.deepEqual(received, []);
    assert.equal(held.notified?.['on-deleted'], undefined);
    // Without the finalizer (a controller older than it), the trigger fires as before.
    const unheld = await notifier.evaluate(app('up', {}, ['resources-finalizer.tiphys.dev']), {});
    unheld.send();
    await notifier.idle();
    assert.deepEqual(received, ['/up']);
    assert.equal(unheld.notified?.['on-deleted'], 'u-1');
  });

  test('a stopped notifier reports a deletion as not sent (the next controller tells it)', async () => {
    received.length = 0;
    const { notifier } = setup();
    notifier.stop();
    assert.equal(await notifier.tellDeletion(app('up', {}, [NOTIFY_FINALIZER])), false);
    assert.deepEqual(received, []);
  });
});

test('a project that cannot be read holds the deletion notice (not sent, tried again)', async () => {
  // Outside the describe: it needs no receiver, since nothing may be sent.
  const sent: string[] = [];
  const notifier = new Notifier({
    settings: {
      get: async () => parseNotificationConfig({ 'service.webhook.up': 'url: http://127.0.0.1:9/up' }, {}),
    },
    fetchProject: async () => {
      throw new Error('the API server is unreachable');
    },
    patchStatus: async () => {},
    recordEvent: async () => {},
    metrics: new ControllerMetrics(),
    log: toLogger(undefined),
    queue: new DeliveryQueue({
      send: async (plan) => {
        sent.push(JSON.stringify(plan));
        return { ok: true };
      },
    }),
  });
  const app = {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: {
      name: 'shop',
      uid: 'u-2',
      finalizers: [NOTIFY_FINALIZER],
      annotations: { 'notifications.tiphys.dev/subscribe.on-deleted.up': '' },
    },
    spec: { source: { repoURL: 'https://git.example.com/x' }, destination: { namespace: 'shop' } },
  } as unknown as Application;
  assert.equal(await notifier.tellDeletion(app), false);
  assert.deepEqual(sent, []);
});
