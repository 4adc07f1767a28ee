// Cluster notifications against a real HTTP receiver: a loss and the recovery's end are each sent
// once (the monitor stores `notified` with the status, as it does in cluster-monitor.ts), to the
// Cluster's annotation subscriptions and the ConfigMap's clusterSubscriptions; and, as the
// attacker, a template that dumps the whole cluster, a recipient that is a URL and a service kept
// for tenants' projects get no credential anywhere.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import { DeliveryQueue } from '../../adapters/notifications/delivery-queue.ts';
import type { Cluster, ClusterStatus } from '../../core/model/cluster.ts';
import { parseNotificationConfig } from '../../core/notifications/config.ts';
import { ClusterNotifier } from './cluster-notifier.ts';

const HMAC = 'cluster-hook-hmac-secret';
const CLUSTER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.cluster-bearer-token-value';
const lostAt = '2026-11-30T10:00:00Z';

describe('cluster notifier with a real receiver', () => {
  let http: Server;
  let base = '';
  const received: { path: string; body: string }[] = [];
  before(async () => {
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(() => http.close());

  const setup = () => {
    const config = parseNotificationConfig(
      {
        'service.webhook.ops': `url: ${base}/ops\nsecret: $hmac`,
        'service.webhook.tenant': `url: ${base}/tenant\nprojects: ['*']`,
        clusterSubscriptions: '- recipients: [ops]\n  triggers: [on-cluster-recovered]\n',
        // The administrator's own template, trying every way to reach more of the Cluster.
        'template.cluster-lost':
          'message: "{{cluster}} {{cluster.spec.credentialsSecret}} {{cluster.metadata.annotations}} {{app}} {{context}}"',
        delivery: 'retries: 0\ntimeoutMs: 5000',
      },
      { hmac: HMAC },
    );
    assert.deepEqual(config.errors, []);
    const queue = new DeliveryQueue({ capacity: 10 });
    const events: EventNote[] = [];
    const counted: string[] = [];
    const logs: string[] = [];
    const pokes: string[] = [];
    const log = (_fields: unknown, message: string) => logs.push(message);
    const notifier = new ClusterNotifier({
      onResult: (name) => pokes.push(name),
      settings: { get: async () => config },
      queue,
      recordEvent: async (_c, note) => {
        events.push(note);
      },
      count: (l) => counted.push(`${l.trigger}/${l.service}/${l.outcome}`),
      log: { debug: log, info: log, warn: log, error: log },
    });
    return { notifier, queue, events, counted, logs, pokes };
  };

  const cluster = (status: ClusterStatus): Cluster =>
    ({
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Cluster',
      metadata: {
        name: 'region-a',
        labels: { region: 'eu' },
        annotations: {
          'notifications.tiphys.dev/subscribe.on-cluster-lost.ops': '',
          'notifications.tiphys.dev/subscribe.on-cluster-recovery-failed.ops': '',
          // A URL as recipient and a service kept for tenants' apps: neither may be used.
          'notifications.tiphys.dev/subscribe.on-cluster-lost.tenant': `${base}/stolen`,
          'tiphys.dev/leaked': CLUSTER_TOKEN,
        },
      },
      spec: { server: 'https://10.0.0.1:6443', credentialsSecret: 'cluster-region-a-credentials' },
      status,
    }) as unknown as Cluster;

  /** One probe of the monitor: evaluate, store `notified` with the status, then send. */
  const probe = async (n: ReturnType<typeof setup>, current: Cluster, next: ClusterStatus) => {
    const notice = await n.notifier.evaluate(current, next);
    // As the monitor does: the new status over the stored one, `notified` written with it.
    const stored = { ...current.status, ...next, ...(notice.notified ? { notified: notice.notified } : {}) };
    notice.send();
    await n.queue.idle();
    return cluster(stored);
  };

  test('a loss and a recovery are each sent once, however many probes see them', async () => {
    received.length = 0;
    const n = setup();
    const lost: ClusterStatus = {
      health: { phase: 'Lost', lostAt, unreachableSince: lostAt, message: `dial tcp: refused` },
      recovery: { incident: lostAt, phase: 'Running', timeline: { lostAt } },
    };
    let c = await probe(n, cluster({}), lost);
    for (let i = 0; i < 3; i++) c = await probe(n, c, lost);
    assert.equal(received.filter((r) => r.path === '/ops').length, 1, JSON.stringify(received));
    assert.ok(!received.some((r) => r.path !== '/ops'), 'no other destination was called');
    assert.ok(n.counted.includes('on-cluster-lost/tenant/Refused'), n.counted.join());
    // The last result per trigger and destination, for the monitor to write on the status.
    const results = n.notifier.resultsFor(c) ?? [];
    assert.deepEqual(
      results.map((r) => [r.trigger, r.service, r.recipient, r.outcome]),
      [
        ['on-cluster-lost', 'tenant', `${base}/stolen`, 'Refused'],
        ['on-cluster-lost', 'ops', undefined, 'Delivered'],
      ],
    );
    assert.match(results[0]?.message ?? '', /serves only apps of its projects/);
    assert.equal(results[1]?.attempts, 1);
    assert.ok(n.pokes.every((p) => p === 'region-a') && n.pokes.length === 2, n.pokes.join());
    // What a restarted controller read from the status is the start of the list.
    assert.deepEqual(setup().notifier.resultsFor(cluster({ notifications: results })), results);

    const done: ClusterStatus = {
      ...lost,
      health: { phase: 'Reachable' },
      recovery: {
        incident: lostAt,
        phase: 'Succeeded',
        timeline: { lostAt, allHealthyAt: '2026-11-30T10:05:00Z' },
      },
    };
    for (let i = 0; i < 3; i++) c = await probe(n, c, done);
    const recovered = received.filter((r) => r.body.includes('is recovered'));
    assert.equal(recovered.length, 1, 'clusterSubscriptions sent it once');
    assert.match(recovered[0]?.body ?? '', /Cluster region-a is recovered/);
    assert.deepEqual(c.status?.notified, { 'on-cluster-lost': lostAt, 'on-cluster-recovered': lostAt });
    assert.ok(n.events.some((e) => e.reason === 'NotificationSent'));

    // A later loss is a new event.
    const later = '2026-11-30T11:00:00Z';
    c = await probe(n, c, {
      health: { phase: 'Lost', lostAt: later },
      recovery: {
        incident: later,
        phase: 'Failed',
        message: 'quota exceeded',
        attempts: 2,
        timeline: { lostAt: later },
      },
    });
    assert.equal(
      received.filter((r) => r.body.includes('failed after 2 attempt(s): quota exceeded')).length,
      1,
    );
    assert.equal(received.filter((r) => r.path === '/ops').length, 4);
  });

  test('attacker: no credential, credentials Secret name or annotation reaches a message or a log', async () => {
    received.length = 0;
    const n = setup();
    await probe(n, cluster({}), { health: { phase: 'Lost', lostAt } });
    assert.equal(received.length, 1);
    const everything = [
      ...received.map((r) => r.body),
      ...n.logs,
      ...n.events.map((e) => e.message),
      JSON.stringify(n.notifier.resultsFor(cluster({}))),
    ].join('\n');
    assert.match(received[0]?.body ?? '', /region-a/, 'the view itself is sent');
    for (const secret of [CLUSTER_TOKEN, 'cluster-region-a-credentials', HMAC]) {
      assert.ok(!everything.includes(secret), `${secret} leaked`);
    }
    assert.match(n.logs.join('\n'), /tenant.*Refused: service tenant serves only apps of its projects/);
  });
});
