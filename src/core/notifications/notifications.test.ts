import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNotificationConfig } from './config.ts';
import { deliveriesFor } from './dispatch.ts';
import { maskSecrets } from './services.ts';
import { mergedSubscriptions, subscriptionsOf } from './subscriptions.ts';
import { renderText } from './templates.ts';
import { BUILTIN_TRIGGERS, compileTrigger, evaluateTriggers } from './triggers.ts';

const builtins = BUILTIN_TRIGGERS.map(compileTrigger);
const failedApp = (startedAt: string) => ({
  metadata: { name: 'shop', uid: 'u-1' },
  status: {
    sync: { status: 'OutOfSync' },
    health: { status: 'Degraded', message: 'pod crashed' },
    operationState: { phase: 'Failed', startedAt, message: 'hook failed' },
  },
});

describe('triggers', () => {
  it('fire once per event: the same status again notifies nothing', () => {
    const first = evaluateTriggers(builtins, { app: failedApp('t1'), firstReconcile: false }, {});
    assert.deepEqual(first.fired.map((f) => f.trigger.name).sort(), ['on-health-degraded', 'on-sync-failed']);
    assert.deepEqual(first.notified, { 'on-health-degraded': 'true', 'on-sync-failed': 't1' });
    for (let i = 0; i < 100; i++) {
      const again = evaluateTriggers(
        builtins,
        { app: failedApp('t1'), firstReconcile: false },
        first.notified,
      );
      assert.deepEqual(again.fired, []);
      assert.deepEqual(again.notified, first.notified);
    }
    // A new operation that fails is a new event (oncePer startedAt).
    const next = evaluateTriggers(builtins, { app: failedApp('t2'), firstReconcile: false }, first.notified);
    assert.deepEqual(
      next.fired.map((f) => f.trigger.name),
      ['on-sync-failed'],
    );
  });

  it('re-arm without oncePer when the condition stops holding; keep the event with oncePer', () => {
    const healthy = {
      metadata: { name: 'shop' },
      status: { health: { status: 'Healthy' }, operationState: { phase: 'Running', startedAt: 't1' } },
    };
    const state = evaluateTriggers(
      builtins,
      { app: healthy, firstReconcile: false },
      { 'on-health-degraded': 'true', 'on-sync-failed': 't1' },
    );
    assert.equal(state.notified['on-health-degraded'], undefined);
    assert.equal(state.notified['on-sync-failed'], 't1');
    assert.deepEqual(
      state.fired.map((f) => f.trigger.name),
      ['on-sync-running'],
    );
  });

  it('treat absent fields as a condition that does not hold, and report other failures', () => {
    const bare = { metadata: { name: 'shop' } };
    assert.deepEqual(evaluateTriggers(builtins, { app: bare, firstReconcile: false }, {}).fired, []);
    const created = evaluateTriggers(
      builtins,
      { app: { metadata: { name: 'x', uid: 'u' } }, firstReconcile: true },
      {},
    );
    assert.deepEqual(
      created.fired.map((f) => f.trigger.name),
      ['on-created'],
    );
    const bad = compileTrigger({ name: 'bad', when: "app.metadata.name + 1 == 'x'", send: ['t'] });
    const result = evaluateTriggers([bad], { app: bare, firstReconcile: false }, {});
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0], /^trigger bad: /);
  });
});

describe('subscriptions', () => {
  it('read the Tiphys and Argo CD annotations, recipients split by ; or ,', () => {
    const subs = subscriptionsOf(
      {
        'notifications.tiphys.dev/subscribe.on-sync-failed.slack': 'alerts; ops',
        'notifications.argoproj.io/subscribe.on-deployed.mail': 'a@example.com,b@example.com',
        'notifications.tiphys.dev/subscribe.broken': 'x',
        other: 'y',
      },
      'application',
    );
    assert.deepEqual(subs, [
      { trigger: 'on-sync-failed', service: 'slack', recipients: ['alerts', 'ops'], from: 'application' },
      {
        trigger: 'on-deployed',
        service: 'mail',
        recipients: ['a@example.com', 'b@example.com'],
        from: 'application',
      },
    ]);
  });

  it("merge the project's with the app's, each recipient once", () => {
    const merged = mergedSubscriptions(
      { 'notifications.tiphys.dev/subscribe.on-sync-failed.slack': 'ops;dev' },
      { 'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'ops' },
    );
    assert.deepEqual(
      merged.map((s) => [s.from, s.recipients]),
      [
        ['project', ['ops']],
        ['application', ['dev']],
      ],
    );
  });
});

describe('templates', () => {
  it('replace placeholders by paths of the app, in both spellings, and nothing else', () => {
    const app = failedApp('t1');
    const ctx = { app, context: { env: 'prod' }, trigger: 'on-sync-failed' };
    assert.equal(
      renderText('{{app.metadata.name}} {{ .app.status.health.status }} in {{context.env}}', ctx),
      'shop Degraded in prod',
    );
    assert.equal(renderText('{{app.missing.field}}|{{app.constructor}}|{{app.__proto__}}', ctx), '||');
  });
});

const data = {
  'service.webhook.ci': 'url: http://127.0.0.1:9/hook\nsecret: $hmac\nprojects: [team-a]',
  'service.slack': 'token: $slack-token\napiUrl: http://127.0.0.1:9/api',
  'service.teams': 'recipientUrls:\n  ops: $teams-ops',
  'service.email': 'host: 127.0.0.1\nport: 2525\nfrom: tiphys@example.com\nrecipientDomains: [example.com]',
  'template.custom': 'message: "{{app.metadata.name}} is {{app.status.health.status}}"\ntitle: custom',
  'trigger.on-prod-degraded': "- when: app.status.health.status == 'Degraded'\n  send: [custom]",
};
const secrets = {
  hmac: 'hmac-secret-value',
  'slack-token': 'xoxb-secret-token',
  'teams-ops': 'http://127.0.0.1:9/teams/secret-path',
};

describe('configuration', () => {
  it('reads services, templates and triggers, with secrets from the Secret', () => {
    const config = parseNotificationConfig(data, secrets);
    assert.deepEqual(config.errors, []);
    assert.deepEqual([...config.services.keys()].sort(), ['ci', 'email', 'slack', 'teams']);
    assert.ok(config.triggers.some((t) => t.trigger.name === 'on-prod-degraded'));
    assert.ok(config.secrets.includes('xoxb-secret-token'));
  });

  it('names each bad key and its cause without quoting a secret, and keeps the good ones', () => {
    const config = parseNotificationConfig(
      {
        ...data,
        'service.webhook.nourl': 'secret: $hmac',
        'service.slack.missing': 'token: $nope',
        'service.fax': 'number: 1',
        'trigger.bad': "when: app.status.health.status == 'Degraded' &&",
      },
      secrets,
    );
    assert.equal(config.errors.length, 4);
    assert.match(config.errors.join('\n'), /key service\.webhook\.nourl: url is required/);
    assert.match(
      config.errors.join('\n'),
      /key service\.slack\.missing: token: key nope is not in Secret tiphys-notifications-secret/,
    );
    assert.match(config.errors.join('\n'), /key service\.fax: unknown service type "fax"/);
    assert.match(config.errors.join('\n'), /key trigger\.bad: trigger bad: when: /);
    assert.ok(!config.errors.join('\n').includes('hmac-secret-value'));
    assert.ok(config.services.has('ci'));
  });
});

describe('deliveries (the attacker writes the annotations)', () => {
  const config = parseNotificationConfig(data, secrets);
  const fired = [
    {
      trigger: BUILTIN_TRIGGERS.find((t) => t.name === 'on-sync-failed') ?? BUILTIN_TRIGGERS[0],
      event: 't1',
    },
  ];
  const plan = (annotations: Record<string, string>, project = 'team-a') =>
    deliveriesFor(config, fired, mergedSubscriptions(annotations, undefined), failedApp('t1'), project);
  const sub = (service: string) => `notifications.tiphys.dev/subscribe.on-sync-failed.${service}`;

  it('sends to the configured webhook URL only; a URL as recipient does not redirect it', () => {
    const [d] = plan({ [sub('ci')]: 'https://attacker.example/steal' });
    assert.ok('plan' in d.planned && d.planned.plan.kind === 'http');
    assert.equal(d.planned.plan.url, 'http://127.0.0.1:9/hook');
    assert.equal(d.planned.plan.hmacSecret, 'hmac-secret-value');
  });

  it('refuses a service the project was not given, and one that does not exist', () => {
    assert.deepEqual(plan({ [sub('ci')]: '' }, 'team-b')[0].planned, {
      refused: 'service ci is not available to project team-b',
    });
    assert.match(
      String((plan({ [sub('https://evil')]: 'x' })[0].planned as { refused: string }).refused),
      /no notification service named/,
    );
  });

  it('takes only channel names for a Slack bot, only configured names for Teams, only allowed domains for email', () => {
    const slack = plan({ [sub('slack')]: 'https://attacker.example/x' })[0].planned;
    assert.match((slack as { refused: string }).refused, /is not a channel name/);
    const teams = plan({ [sub('teams')]: 'https://attacker.example/x;ops' });
    assert.match(
      (teams[0].planned as { refused: string }).refused,
      /is not one of service teams's recipientUrls/,
    );
    assert.ok(
      'plan' in teams[1].planned &&
        teams[1].planned.plan.kind === 'http' &&
        teams[1].planned.plan.url.endsWith('/teams/secret-path'),
    );
    const inherited = plan({ [sub('teams')]: 'toString' })[0].planned;
    assert.ok('refused' in inherited, 'an inherited property name is no recipient');
    const mail = plan({ [sub('email')]: 'ops@example.com;x@attacker.example' });
    assert.ok('plan' in mail[0].planned);
    assert.match((mail[1].planned as { refused: string }).refused, /domain attacker\.example is not allowed/);
  });

  it('masks secret values in messages', () => {
    assert.equal(
      maskSecrets(
        'POST http://127.0.0.1:9/teams/secret-path failed, token xoxb-secret-token',
        config.secrets,
      ),
      'POST *** failed, token ***',
    );
  });
});
