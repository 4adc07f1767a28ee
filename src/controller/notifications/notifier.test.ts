// The notifier against real receivers: an HTTP server (webhook, Slack, Teams) and an SMTP server
// started here. The settings and the status writer are plain functions (no cluster needed).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { DeliveryQueue } from '../../adapters/notifications/delivery-queue.ts';
import type { Application } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import { parseNotificationConfig } from '../../core/notifications/config.ts';
import { ControllerMetrics } from '../metrics.ts';
import { Notifier } from './notifier.ts';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const HMAC = 'hmac-secret-value';
const SLACK_TOKEN = 'xoxb-secret-token';

describe('notifier with real receivers', () => {
  let http: Server;
  let smtp: SMTPServer;
  let base = '';
  let smtpPort = 0;
  const received: Received[] = [];
  const mails: { from: string; to: string[]; body: string }[] = [];
  /** Paths that fail with 503 this many more times. */
  const failures = new Map<string, number>();

  before(async () => {
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const left = failures.get(req.url ?? '') ?? 0;
        if (left > 0) {
          failures.set(req.url ?? '', left - 1);
          res.writeHead(503).end();
          return;
        }
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 'mail-secret') callback(null, { user: 'mailer' });
        else callback(new Error('bad credentials'));
      },
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (chunk) => {
          body += chunk;
        });
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            body,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  after(async () => {
    http?.close();
    await new Promise<void>((resolve) => smtp?.close(resolve));
  });

  const setup = (options: { capacity?: number } = {}) => {
    const config = parseNotificationConfig(
      {
        'service.webhook.ci': `url: ${base}/hook\nsecret: $hmac\nprojects: [team-a]`,
        'service.webhook.flaky': 'url: $flaky-url',
        'service.slack': `token: $slack\napiUrl: ${base}/slack-api`,
        'service.slack.incoming': 'webhookUrl: $slack-incoming',
        'service.teams': 'recipientUrls:\n  ops: $teams-ops',
        'service.email': `host: 127.0.0.1\nport: ${smtpPort}\nfrom: tiphys@example.com\nusername: $mail-user\npassword: $mail-password\nrecipientDomains: [example.com]`,
        delivery: 'retries: 2\nbackoffMs: 10\ntimeoutMs: 5000',
      },
      {
        hmac: HMAC,
        slack: SLACK_TOKEN,
        'slack-incoming': `${base}/slack-incoming/T000/B000/secret-incoming`,
        'teams-ops': `${base}/teams/secret-teams`,
        'mail-user': 'mailer',
        'mail-password': 'mail-secret',
        'flaky-url': `${base}/flaky/secret-flaky`,
      },
    );
    assert.deepEqual(config.errors, []);
    const writes: Partial<ApplicationStatus>[] = [];
    const logs: string[] = [];
    const log = (line: string) => (_fields: unknown, message: string) => logs.push(`${line} ${message}`);
    const metrics = new ControllerMetrics();
    const notifier = new Notifier({
      settings: { get: async () => config },
      fetchProject: async () => undefined,
      patchStatus: async (_name, status) => {
        writes.push(status);
      },
      recordEvent: async () => {},
      metrics,
      log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      queue: new DeliveryQueue({ capacity: options.capacity ?? 100 }),
    });
    return { notifier, writes, logs, metrics };
  };

  const app = (annotations: Record<string, string>, project = 'team-a'): Application =>
    ({
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'tiphys', uid: 'u-1', annotations },
      spec: { project, source: { repoURL: 'https://git.example.com/x' }, destination: { namespace: 'shop' } },
      status: { reconciledAt: '2026-11-30T12:00:00Z', sync: { status: 'Synced' } },
    }) as unknown as Application;
  const failed = (startedAt: string): Partial<ApplicationStatus> => ({
    operationState: {
      operation: { sync: {} },
      phase: 'Failed',
      startedAt,
      finishedAt: startedAt,
      message: 'hook failed',
    },
  });
  const sub = (service: string) => `notifications.tiphys.dev/subscribe.on-sync-failed.${service}`;

  /** Evaluates like a reconcile: the notified record is stored with the status. */
  const reconcile = async (notifier: Notifier, stored: Application, status: Partial<ApplicationStatus>) => {
    const notice = await notifier.evaluate(stored, status);
    notice.send();
    await notifier.idle();
    return {
      ...stored,
      status: { ...stored.status, ...status, ...(notice.notified ? { notified: notice.notified } : {}) },
    } as Application;
  };

  test('a failed sync reaches every service once, signed, in its own format; the same status again sends nothing', async () => {
    received.length = 0;
    mails.length = 0;
    const { notifier, writes } = setup();
    let stored = app({
      [sub('ci')]: '',
      [sub('slack')]: '#alerts',
      [sub('incoming')]: '',
      [sub('teams')]: 'ops',
      [sub('email')]: 'ops@example.com',
    });
    stored = await reconcile(notifier, stored, failed('2026-11-30T12:01:00Z'));
    for (let i = 0; i < 20; i++) stored = await reconcile(notifier, stored, failed('2026-11-30T12:01:00Z'));
    assert.deepEqual(received.map((r) => r.path).sort(), [
      '/hook',
      '/slack-api/chat.postMessage',
      '/slack-incoming/T000/B000/secret-incoming',
      '/teams/secret-teams',
    ]);
    assert.equal(mails.length, 1);

    const hook = received.find((r) => r.path === '/hook') as Received;
    const expected = `sha256=${createHmac('sha256', HMAC).update(hook.body).digest('hex')}`;
    assert.equal(hook.headers['x-tiphys-signature-256'], expected);
    assert.match(JSON.parse(hook.body).message, /^The sync of application shop failed at .*: hook failed$/);
    const slack = received.find((r) => r.path.startsWith('/slack-api')) as Received;
    assert.equal(slack.headers.authorization, `Bearer ${SLACK_TOKEN}`);
    assert.equal(JSON.parse(slack.body).channel, '#alerts');
    assert.match(
      JSON.parse(received.find((r) => r.path.startsWith('/slack-incoming'))?.body ?? '{}').text,
      /hook failed/,
    );
    assert.equal(
      JSON.parse(received.find((r) => r.path.startsWith('/teams'))?.body ?? '{}')['@type'],
      'MessageCard',
    );
    assert.deepEqual(mails[0].to, ['ops@example.com']);
    assert.match(mails[0].body, /Subject: shop sync failed/);

    const results = writes.at(-1)?.notifications ?? [];
    assert.deepEqual(results.map((r) => `${r.service}:${r.outcome}`).sort(), [
      'ci:Delivered',
      'email:Delivered',
      'incoming:Delivered',
      'slack:Delivered',
      'teams:Delivered',
    ]);
    // A new failed operation is a new event.
    await reconcile(notifier, stored, failed('2026-11-30T12:05:00Z'));
    assert.equal(received.filter((r) => r.path === '/hook').length, 2);
  });

  test('a receiver failing twice gets the delivery on the third attempt; results and metrics say so', async () => {
    received.length = 0;
    const { notifier, writes, metrics } = setup();
    failures.set('/flaky/secret-flaky', 2);
    await reconcile(notifier, app({ [sub('flaky')]: '' }), failed('t1'));
    assert.equal(received.filter((r) => r.path === '/flaky/secret-flaky').length, 1);
    const [result] = writes.at(-1)?.notifications ?? [];
    assert.equal(result.outcome, 'Delivered');
    assert.equal(result.attempts, 3);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /tiphys_notification_deliveries_total\{service="flaky",trigger="on-sync-failed",outcome="Delivered"\} 1/,
    );
  });

  test('a failure after every retry is recorded without the secret in its URL, in status and logs', async () => {
    const { notifier, writes, logs } = setup();
    failures.set('/flaky/secret-flaky', 10);
    await reconcile(notifier, app({ [sub('flaky')]: '' }), failed('t1'));
    const [result] = writes.at(-1)?.notifications ?? [];
    assert.equal(result.outcome, 'Failed');
    assert.equal(result.attempts, 3);
    assert.match(result.message ?? '', /answered 503/);
    const everything = JSON.stringify(writes) + logs.join('\n');
    for (const secret of [
      'secret-flaky',
      HMAC,
      SLACK_TOKEN,
      'secret-incoming',
      'secret-teams',
      'mail-secret',
    ])
      assert.ok(!everything.includes(secret), `${secret} leaked`);
    failures.clear();
  });

  test('attacker: a tenant of another project, an unknown service, a URL or foreign domain as recipient get nothing sent', async () => {
    received.length = 0;
    mails.length = 0;
    const { notifier, writes } = setup();
    const hostile = app(
      {
        [sub('ci')]: `${base}/stolen`,
        [sub(`${base.replace(/[:/.]/g, '-')}`)]: 'x',
        [sub('slack')]: `${base}/stolen`,
        [sub('teams')]: `${base}/stolen`,
        [sub('email')]: 'thief@attacker.example',
        'notifications.argoproj.io/subscribe.on-sync-failed.ci': 'x',
      },
      'team-b',
    );
    await reconcile(notifier, hostile, failed('t1'));
    assert.deepEqual(received, [], 'nothing reached any receiver');
    assert.equal(mails.length, 0);
    const outcomes = (writes.at(-1)?.notifications ?? []).map((r) => `${r.service}:${r.outcome}`);
    assert.ok(outcomes.length >= 5);
    assert.ok(
      outcomes.every((o) => o.endsWith(':Refused')),
      outcomes.join(','),
    );
  });

  test('the queue is bounded: past its capacity deliveries are dropped and counted', async () => {
    const { notifier, writes } = setup({ capacity: 1 });
    const many = Object.fromEntries(['a', 'b', 'c'].map((x) => [sub('ci'), x]));
    many[sub('ci')] = 'a;b;c';
    await reconcile(notifier, app(many), failed('t1'));
    const outcomes = (writes.at(-1)?.notifications ?? []).map((r) => r.outcome).sort();
    assert.deepEqual(outcomes, ['Delivered', 'Dropped', 'Dropped']);
  });
});
