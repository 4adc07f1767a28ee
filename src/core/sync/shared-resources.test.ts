import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import { setTrackingId } from '../manifest/tracking.ts';
import type { Application } from '../model/application.ts';
import { claimsOfOthers, listedKeys, sharedKeys, sharedResourceConditions } from './shared-resources.ts';

function app(
  name: string,
  resources: string[],
  extra: { cluster?: string; deleting?: boolean } = {},
): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example/config', path: '.' },
      destination: { cluster: extra.cluster, namespace: 'team-a' },
    },
    status: {
      resources: resources.map((entry) => {
        const [kind, name_, prune] = entry.split(':');
        return { kind, namespace: 'team-a', name: name_, ...(prune ? { requiresPruning: true } : {}) };
      }),
    },
  } as Application;
}

const configMap = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'team-a' },
});

test('claims: other apps of the same cluster, not being deleted, for what they render (not what they prune)', () => {
  const shop = app('shop', ['ConfigMap:x']);
  const claims = claimsOfOthers(shop, [
    shop,
    app('billing', ['ConfigMap:x', 'ConfigMap:old:prune']),
    app('remote', ['ConfigMap:x'], { cluster: 'east' }),
    app('leaving', ['ConfigMap:x'], { deleting: true }),
  ]);
  assert.deepEqual(
    claims.map((c) => [c.app, [...c.keys]]),
    [['billing', ['/ConfigMap/team-a/x']]],
  );
});

test('listed: the resources of the status and the hooks of the last operation', () => {
  const shop = app('shop', ['ConfigMap:x']);
  shop.status = {
    ...shop.status,
    operationState: {
      operation: { sync: {} },
      phase: 'Succeeded',
      message: '',
      startedAt: '2026-01-01T00:00:00Z',
      syncResult: {
        revision: 'abc',
        resources: [
          { group: 'batch', kind: 'Job', namespace: 'team-a', name: 'migrate', hookType: 'PreSync' },
        ],
      },
    },
  };
  assert.deepEqual([...listedKeys(shop)], ['/ConfigMap/team-a/x', 'batch/Job/team-a/migrate']);
});

test('warning: on an object another app renders, or whose tracking id names another app that exists', () => {
  const shop = app('shop', []);
  const entry = (name: string, live?: KubeObject) => ({
    id: `/ConfigMap/team-a/${name}`,
    desired: { object: configMap(name) },
    live,
    hook: false,
  });
  const comparison = {
    resources: [
      entry('rendered-by-billing', setTrackingId(configMap('rendered-by-billing'), 'shop')),
      entry('applied-by-billing', setTrackingId(configMap('applied-by-billing'), 'billing')),
      entry('applied-by-a-deleted-app', setTrackingId(configMap('applied-by-a-deleted-app'), 'gone')),
      entry('mine', setTrackingId(configMap('mine'), 'shop')),
      entry('new'),
      { ...entry('hook', setTrackingId(configMap('hook'), 'billing')), hook: true },
    ],
  };
  const [condition, ...more] = sharedResourceConditions(shop, comparison, [
    shop,
    app('billing', ['ConfigMap:rendered-by-billing']),
  ]);
  assert.equal(more.length, 0);
  assert.equal(condition.type, 'SharedResourceWarning');
  assert.equal(
    condition.message,
    'ConfigMap team-a/applied-by-billing is part of applications shop and billing; ConfigMap team-a/rendered-by-billing is part of applications shop and billing',
  );
  assert.deepEqual(
    sharedResourceConditions(shop, { resources: [entry('mine', setTrackingId(configMap('mine'), 'shop'))] }, [
      shop,
    ]),
    [],
  );
});

test('shared keys follow each new list of apps: a changed, removed or deleting app no longer claims', () => {
  const x = '/ConfigMap/team-a/x';
  const y = '/ConfigMap/team-a/y';
  const shop = app('shop', ['ConfigMap:x', 'ConfigMap:y']);
  const cart = app('cart', ['ConfigMap:x']);
  const elsewhere = app('far', ['ConfigMap:x', 'ConfigMap:y'], { cluster: 'eu-1' });
  assert.deepEqual(sharedKeys(shop, [x, y], [shop, cart, elsewhere]), { [x]: ['cart'] });
  // cart's status changed (a new object from the store): it renders y now, not x.
  const cartNow = app('cart', ['ConfigMap:y']);
  const pay = app('pay', ['ConfigMap:x']);
  assert.deepEqual(sharedKeys(shop, [x, y], [shop, cartNow, pay, elsewhere]), {
    [x]: ['pay'],
    [y]: ['cart'],
  });
  assert.deepEqual(sharedKeys(shop, [x, y], [shop, pay]), { [x]: ['pay'] }, 'cart is gone');
  const payDeleting = app('pay', ['ConfigMap:x'], { deleting: true });
  assert.deepEqual(sharedKeys(shop, [x, y], [shop, payDeleting]), {}, 'an app being deleted claims nothing');
  assert.deepEqual(sharedKeys(pay, [x], [shop, pay]), { [x]: ['shop'] }, 'asked from the other side');
});
