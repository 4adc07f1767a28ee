import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterNotificationView, parseClusterSubscriptions } from './cluster-notifications.ts';
import { parseNotificationConfig } from './config.ts';

test('on-cluster-… triggers are kept apart from the apps’ triggers, custom ones too', () => {
  const config = parseNotificationConfig(
    { 'trigger.on-cluster-eu-lost': "when: cluster.metadata.labels.region == 'eu'" },
    {},
  );
  assert.deepEqual(config.errors, []);
  const names = config.clusterTriggers.map((t) => t.trigger.name).sort();
  assert.deepEqual(names, [
    'on-cluster-eu-lost',
    'on-cluster-lost',
    'on-cluster-recovered',
    'on-cluster-recovery-failed',
  ]);
  assert.ok(config.triggers.every((t) => !t.trigger.name.startsWith('on-cluster-')));
});

test('the view a template sees has no credentials, Secret name or annotations', () => {
  const view = clusterNotificationView(
    {
      metadata: { name: 'a', labels: { region: 'eu' }, annotations: { x: 'token' } } as never,
      spec: { server: 'https://a', credentialsSecret: 'cluster-a', bearerToken: 't' } as never,
    },
    { health: { phase: 'Lost' } },
  );
  assert.deepEqual(view, {
    metadata: { name: 'a', labels: { region: 'eu' } },
    spec: { server: 'https://a' },
    status: { health: { phase: 'Lost' } },
  });
});

test('clusterSubscriptions: service or service:recipient; a bad entry is an error naming it', () => {
  assert.deepEqual(
    parseClusterSubscriptions('- recipients: [ops, slack:oncall]\n  triggers: [on-cluster-lost]\n'),
    [
      { trigger: 'on-cluster-lost', service: 'ops', recipients: [], from: 'config' },
      { trigger: 'on-cluster-lost', service: 'slack', recipients: ['oncall'], from: 'config' },
    ],
  );
  assert.throws(
    () => parseClusterSubscriptions('- recipients: [ops]\n  triggers: [on-deployed]\n'),
    /entry 1: on-deployed is not a cluster trigger/,
  );
  assert.throws(() => parseClusterSubscriptions('recipients: [ops]'), /expected a YAML list/);
  const config = parseNotificationConfig({ clusterSubscriptions: '- triggers: [on-cluster-lost]' }, {});
  assert.match(config.errors.join(), /key clusterSubscriptions: entry 1: recipients must be a list of names/);
  assert.deepEqual(config.clusterSubscriptions, []);
});
