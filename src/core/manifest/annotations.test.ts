import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareOptionsOf,
  hookDeletePoliciesOf,
  hookPhasesOf,
  isHook,
  syncOptionsOf,
  syncWaveOf,
} from './annotations.ts';
import type { KubeObject } from './object.ts';

const withAnnotations = (annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'migrate', annotations },
});

test('hook phases from tiphys.dev/hook, Argo CD and Helm; Tiphys wins', () => {
  assert.deepEqual(hookPhasesOf(withAnnotations({})), []);
  assert.deepEqual(hookPhasesOf(withAnnotations({ 'tiphys.dev/hook': 'PreSync' })), ['PreSync']);
  assert.deepEqual(hookPhasesOf(withAnnotations({ 'argocd.argoproj.io/hook': 'PostSync, SyncFail' })), [
    'PostSync',
    'SyncFail',
  ]);
  assert.deepEqual(
    hookPhasesOf(withAnnotations({ 'tiphys.dev/hook': 'Sync', 'argocd.argoproj.io/hook': 'PreSync' })),
    ['Sync'],
  );
  assert.deepEqual(hookPhasesOf(withAnnotations({ 'argocd.argoproj.io/hook': 'Skip' })), ['Skip']);
  assert.ok(isHook(withAnnotations({ 'tiphys.dev/hook': 'PostSync' })));
  assert.ok(!isHook(withAnnotations({ team: 'a' })));
});

test('Helm hooks map install/upgrade to PreSync/PostSync and skip the others', () => {
  const helm = (value: string) => hookPhasesOf(withAnnotations({ 'helm.sh/hook': value }));
  assert.deepEqual(helm('pre-install,pre-upgrade'), ['PreSync']);
  assert.deepEqual(helm('post-install, post-upgrade'), ['PostSync']);
  assert.deepEqual(helm('pre-install,test'), ['PreSync']);
  assert.deepEqual(helm('test'), ['Skip']);
  assert.deepEqual(helm('pre-delete,post-rollback'), ['Skip']);
  assert.deepEqual(helm('crd-install'), []);
  assert.deepEqual(
    hookPhasesOf(withAnnotations({ 'helm.sh/hook': 'test', 'argocd.argoproj.io/hook': 'Sync' })),
    ['Sync'],
  );
});

test('hook annotations naming no phase Tiphys runs are skipped; blank ones are ignored', () => {
  assert.deepEqual(hookPhasesOf(withAnnotations({ 'argocd.argoproj.io/hook': 'PreDelete' })), ['Skip']);
  assert.deepEqual(hookPhasesOf(withAnnotations({ 'tiphys.dev/hook': '  ' })), []);
});

test('sync wave: own annotation, then Argo CD, then Helm hook-weight for Helm hooks only', () => {
  assert.equal(syncWaveOf(withAnnotations({})), 0);
  assert.equal(syncWaveOf(withAnnotations({ 'tiphys.dev/sync-wave': '-2' })), -2);
  assert.equal(syncWaveOf(withAnnotations({ 'argocd.argoproj.io/sync-wave': ' 5 ' })), 5);
  assert.equal(
    syncWaveOf(withAnnotations({ 'tiphys.dev/sync-wave': '1', 'argocd.argoproj.io/sync-wave': '7' })),
    1,
  );
  assert.equal(syncWaveOf(withAnnotations({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '3' })), 3);
  assert.equal(syncWaveOf(withAnnotations({ 'helm.sh/hook-weight': '3' })), 0);
  assert.equal(syncWaveOf(withAnnotations({ 'tiphys.dev/sync-wave': 'soon' })), 0);
  assert.equal(syncWaveOf(withAnnotations({ 'tiphys.dev/sync-wave': '1.5' })), 0);
});

test('hook delete policies with Helm names mapped, default BeforeHookCreation', () => {
  assert.deepEqual(hookDeletePoliciesOf(withAnnotations({})), ['BeforeHookCreation']);
  assert.deepEqual(
    hookDeletePoliciesOf(
      withAnnotations({ 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,HookFailed' }),
    ),
    ['HookSucceeded', 'HookFailed'],
  );
  assert.deepEqual(
    hookDeletePoliciesOf(
      withAnnotations({
        'tiphys.dev/hook-delete-policy': 'HookFailed',
        'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
      }),
    ),
    ['HookFailed'],
  );
  assert.deepEqual(
    hookDeletePoliciesOf(
      withAnnotations({ 'helm.sh/hook-delete-policy': 'hook-succeeded, before-hook-creation, bogus' }),
    ),
    ['HookSucceeded', 'BeforeHookCreation'],
  );
  assert.deepEqual(hookDeletePoliciesOf(withAnnotations({ 'helm.sh/hook-delete-policy': 'hook-failed' })), [
    'HookFailed',
  ]);
});

test('sync options merge key by key, Tiphys overriding Argo CD', () => {
  assert.deepEqual(syncOptionsOf(withAnnotations({})), {});
  assert.deepEqual(
    syncOptionsOf(
      withAnnotations({
        'argocd.argoproj.io/sync-options': 'Prune=false, Replace=true',
        'tiphys.dev/sync-options': 'Replace=false,ServerSideApply=true',
      }),
    ),
    { Prune: 'false', Replace: 'false', ServerSideApply: 'true' },
  );
  assert.deepEqual(syncOptionsOf(withAnnotations({ 'tiphys.dev/sync-options': 'A=b=c,,=x,__proto__=1' })), {
    A: 'b=c',
    ['__proto__']: '1',
  });
});

test('compare options accept bare tokens as true', () => {
  assert.deepEqual(
    compareOptionsOf(
      withAnnotations({
        'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
        'tiphys.dev/compare-options': 'ServerSideDiff=true',
      }),
    ),
    { IgnoreExtraneous: 'true', ServerSideDiff: 'true' },
  );
});
