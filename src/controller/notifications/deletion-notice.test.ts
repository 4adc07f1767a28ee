import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../../core/model/application.ts';
import { toLogger } from '../log.ts';
import { DeletionNotice, NOTIFY_FINALIZER } from './deletion-notice.ts';

const app = (finalizers: string[], extra: Partial<Application['metadata']> = {}): Application => ({
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'tiphys', uid: 'u1', resourceVersion: '7', finalizers, ...extra },
  spec: {
    source: { repoURL: 'https://git.example.com/c.git', path: 'web' },
    destination: { namespace: 'web' },
  },
});

function harness(subscribed: boolean | Error) {
  const calls: string[] = [];
  const notice = new DeletionNotice({
    subscribed: async () => {
      if (subscribed instanceof Error) throw subscribed;
      return subscribed;
    },
    notify: async (a) => void calls.push(`notify ${a.metadata.name}`),
    patch: async (name, body) => void calls.push(`patch ${name} ${JSON.stringify(body)}`),
    log: toLogger(undefined),
  });
  return { notice, calls };
}

const patched = (finalizers: string[]) =>
  `patch web ${JSON.stringify({ metadata: { finalizers, resourceVersion: '7' } })}`;

test('a subscribed app gets the finalizer, kept beside the others; an unsubscribed one loses it', async () => {
  const on = harness(true);
  await on.notice.keep(app(['resources-finalizer.tiphys.dev']));
  assert.deepEqual(on.calls, [patched(['resources-finalizer.tiphys.dev', NOTIFY_FINALIZER])]);
  await on.notice.keep(app([NOTIFY_FINALIZER]));
  assert.equal(on.calls.length, 1, 'nothing to change: no write');

  const off = harness(false);
  await off.notice.keep(app(['resources-finalizer.tiphys.dev', NOTIFY_FINALIZER]));
  assert.deepEqual(off.calls, [patched(['resources-finalizer.tiphys.dev'])]);
  await off.notice.keep(app([]));
  assert.equal(off.calls.length, 1);
});

test('keep never fails a reconcile (settings unreadable): nothing is written', async () => {
  const h = harness(new Error('the API server is unreachable'));
  await h.notice.keep(app([]));
  assert.deepEqual(h.calls, []);
});

test('a deleted subscribed app is notified first, then let go', async () => {
  const h = harness(true);
  await h.notice.release(app([NOTIFY_FINALIZER], { deletionTimestamp: '2026-11-30T00:00:00Z' } as never));
  assert.deepEqual(h.calls, ['notify web', patched([])]);
});

test('a deleted app whose subscription was removed is let go without a notification', async () => {
  const h = harness(false);
  await h.notice.release(app([NOTIFY_FINALIZER, 'example.com/other']));
  assert.deepEqual(h.calls, [patched(['example.com/other'])]);
});

test('unreadable settings at deletion: the finalizer stays (the reconcile is retried), nothing sent', async () => {
  const h = harness(new Error('the API server is unreachable'));
  await assert.rejects(h.notice.release(app([NOTIFY_FINALIZER])), /unreachable/);
  assert.deepEqual(h.calls, []);
});

test('an app without the finalizer is not touched at deletion', async () => {
  const h = harness(true);
  await h.notice.release(app(['resources-finalizer.tiphys.dev']));
  assert.deepEqual(h.calls, []);
});
