import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../../core/model/application.ts';
import { toLogger } from '../log.ts';
import { DeletionNotice, NOTIFY_FINALIZER } from './deletion-notice.ts';

const app = (
  finalizers: string[],
  extra: Partial<Application['metadata']> = {},
  notified?: Record<string, string>,
): Application => ({
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'tiphys', uid: 'u1', resourceVersion: '7', finalizers, ...extra },
  spec: {
    source: { repoURL: 'https://git.example.com/c.git', path: 'web' },
    destination: { namespace: 'web' },
  },
  ...(notified ? { status: { notified } } : {}),
});

/** `tell` resolves only when the test ends the deliveries (`deliver`), as a slow receiver would. */
function harness(subscribed: boolean | Error) {
  const calls: string[] = [];
  let deliver: (sent: boolean) => void = () => assert.fail('nothing told');
  const told: Promise<void>[] = [];
  const notice = new DeletionNotice({
    subscribed: async () => {
      if (subscribed instanceof Error) throw subscribed;
      return subscribed;
    },
    tell: (a) => {
      calls.push(`tell ${a.metadata.name}`);
      const ended = new Promise<boolean>((resolve) => (deliver = resolve));
      told.push(ended.then(() => {}));
      return ended;
    },
    patch: async (name, body) => void calls.push(`patch ${name} ${JSON.stringify(body)}`),
    patchStatus: async (name, status) => void calls.push(`status ${name} ${JSON.stringify(status)}`),
    refresh: (name) => void calls.push(`refresh ${name}`),
    log: toLogger(undefined),
  });
  /** Ends the deliveries and waits until the notice has seen it (it refreshes the app). */
  const end = async (sent: boolean) => {
    deliver(sent);
    await Promise.all(told);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { notice, calls, end };
}

const patched = (finalizers: string[]) =>
  `patch web ${JSON.stringify({ metadata: { finalizers, resourceVersion: '7' } })}`;
const deleting = { deletionTimestamp: '2026-11-30T00:00:00Z' } as never;

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

test('a deleted subscribed app: told once without holding the reconcile, recorded, then let go', async () => {
  const h = harness(true);
  const first = app([NOTIFY_FINALIZER], deleting);
  assert.equal(await h.notice.release(first), 'delivering');
  assert.equal(await h.notice.release(first), 'delivering', 'a reconcile meanwhile starts nothing new');
  assert.deepEqual(h.calls, ['tell web']);
  await h.end(true);
  assert.deepEqual(h.calls, ['tell web', 'refresh web']);
  assert.equal(await h.notice.release(first), 'recorded');
  assert.equal(h.calls[2], `status web ${JSON.stringify({ notified: { 'on-deleted': 'u1' } })}`);
  // The next reconcile reads the app with the record (and a new resourceVersion).
  assert.equal(await h.notice.release(app([NOTIFY_FINALIZER], deleting, { 'on-deleted': 'u1' })), 'released');
  assert.deepEqual(h.calls.slice(3), [patched([])]);
  assert.equal(h.calls.filter((c) => c.startsWith('tell')).length, 1);
});

test('a deletion told already (recorded before a restart) is let go without telling again', async () => {
  const h = harness(true);
  const state = await h.notice.release(
    app([NOTIFY_FINALIZER, 'example.com/other'], deleting, { 'on-created': 'u1', 'on-deleted': 'u1' }),
  );
  assert.equal(state, 'released');
  assert.deepEqual(h.calls, [patched(['example.com/other'])]);
});

test('deliveries that Tiphys could not send (stopping, queue full) are not recorded and are tried again', async () => {
  const h = harness(true);
  const deleted = app([NOTIFY_FINALIZER], deleting);
  assert.equal(await h.notice.release(deleted), 'delivering');
  await h.end(false);
  await assert.rejects(h.notice.release(deleted), /not sent; it is tried again/);
  assert.equal(await h.notice.release(deleted), 'delivering');
  assert.deepEqual(
    h.calls.filter((c) => !c.startsWith('refresh')),
    ['tell web', 'tell web'],
    'no record, no finalizer removed, told again',
  );
});

test('a deleted app whose subscription was removed is let go without a notification', async () => {
  const h = harness(false);
  assert.equal(await h.notice.release(app([NOTIFY_FINALIZER, 'example.com/other'], deleting)), 'released');
  assert.deepEqual(h.calls, [patched(['example.com/other'])]);
});

test('unreadable settings at deletion: the finalizer stays (the reconcile is retried), nothing sent', async () => {
  const h = harness(new Error('the API server is unreachable'));
  await assert.rejects(h.notice.release(app([NOTIFY_FINALIZER], deleting)), /unreachable/);
  assert.deepEqual(h.calls, []);
});

test('an app without the finalizer is not touched at deletion', async () => {
  const h = harness(true);
  assert.equal(await h.notice.release(app(['resources-finalizer.tiphys.dev'], deleting)), 'released');
  assert.deepEqual(h.calls, []);
});
