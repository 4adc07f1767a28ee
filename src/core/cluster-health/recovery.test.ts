import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actionDue,
  applyApproval,
  attemptFailed,
  attemptStarted,
  backoffAfter,
  bootstrapStep,
  parseApproval,
  replacementAnswers,
  startIncident,
} from './recovery.ts';

const lostAt = '2026-11-30T10:05:00.000Z';
const now = Date.parse('2026-11-30T10:06:00Z');
const retry = { maxAttempts: 3, backoffMs: 10_000 };

test('auto is due at once; approve waits for an approval of this very incident', () => {
  assert.equal(actionDue(startIncident({ mode: 'auto', action: 'x' }, lostAt), now), true);
  const waiting = startIncident({ mode: 'approve', action: 'x' }, lostAt);
  assert.equal(waiting.phase, 'AwaitingApproval');
  assert.equal(actionDue(waiting, now), false);
  const stale = applyApproval(waiting, { incident: '2026-01-01T00:00:00.000Z', by: 'alice', at: '' });
  assert.equal(stale.phase, 'AwaitingApproval', 'an approval of an earlier loss approves nothing');
  const approved = applyApproval(waiting, { incident: lostAt, by: 'alice', at: '' });
  assert.equal(approved.phase, 'Pending');
  assert.equal(approved.approvedBy, 'alice');
  assert.equal(actionDue(approved, now), true);
});

test('approvals that are not JSON of the expected shape are ignored', () => {
  assert.equal(parseApproval({ 'tiphys.dev/recovery-approval': 'yes' }), undefined);
  assert.equal(parseApproval({ 'tiphys.dev/recovery-approval': '{"incident":1}' }), undefined);
  assert.deepEqual(
    parseApproval({ 'tiphys.dev/recovery-approval': `{"incident":"${lostAt}","by":"bob","at":"t"}` }),
    {
      incident: lostAt,
      by: 'bob',
      at: 't',
    },
  );
});

test('failed attempts back off exponentially, then the recovery fails', () => {
  let state = attemptStarted(startIncident({ mode: 'auto', action: 'x' }, lostAt), now);
  assert.equal(state.timeline.actionStartedAt, new Date(now).toISOString());
  state = attemptFailed(state, 'exit code 1', now, retry);
  assert.equal(state.phase, 'Pending');
  assert.equal(state.nextAttemptAt, new Date(now + 10_000).toISOString());
  assert.equal(actionDue(state, now + 9_999), false);
  assert.equal(actionDue(state, now + 10_000), true);
  state = attemptFailed(attemptStarted(state, now + 10_000), 'timed out', now + 10_000, retry);
  assert.equal(state.nextAttemptAt, new Date(now + 30_000).toISOString());
  assert.equal(state.timeline.actionStartedAt, new Date(now).toISOString(), 'the first start stays');
  state = attemptFailed(attemptStarted(state, now + 30_000), 'exit code 2', now + 30_000, retry);
  assert.equal(state.phase, 'Failed');
  assert.match(state.message ?? '', /attempt 3 of 3 failed: exit code 2/);
  assert.equal(backoffAfter(30, 10_000), 600_000);
});

test('bootstrap releases the lowest unfinished wave and ends when every app is Synced and Healthy', () => {
  const start = replacementAnswers(
    attemptStarted(startIncident({ mode: 'auto', action: 'x' }, lostAt), now),
    ['crds', 'a', 'b'],
    now,
  );
  const app = (name: string, wave: number, synced = false, healthy = false, operating = false) => ({
    name,
    wave,
    synced,
    healthy,
    operating,
  });
  let step = bootstrapStep(start, [app('crds', -1), app('a', 0), app('b', 0)], now);
  assert.deepEqual(step.sync, ['crds']);
  assert.equal(step.state.wave, -1);
  step = bootstrapStep(step.state, [app('crds', -1, false, false, true), app('a', 0), app('b', 0)], now + 1);
  assert.deepEqual(step.sync, [], 'nothing while the wave runs');
  step = bootstrapStep(step.state, [app('crds', -1, true, true), app('a', 0), app('b', 0)], now + 2);
  assert.deepEqual(step.sync, ['a', 'b']);
  assert.equal(step.state.timeline.firstAppSyncedAt, new Date(now + 2).toISOString());
  step = bootstrapStep(
    step.state,
    [app('crds', -1, true, true), app('a', 0, true, true), app('b', 0, true, true)],
    now + 3,
  );
  assert.equal(step.done, true);
  assert.equal(step.state.phase, 'Succeeded');
  assert.equal(step.state.timeline.allHealthyAt, new Date(now + 3).toISOString());
});

test('bootstrap does not sync again an app its sync left waiting for the comparison after it', () => {
  const start = replacementAnswers(
    attemptStarted(startIncident({ mode: 'auto', action: 'x' }, lostAt), now),
    ['a', 'b'],
    now,
  );
  const app = (name: string, syncedSinceAnswer: boolean) => ({
    name,
    wave: 0,
    synced: false,
    healthy: false,
    operating: false,
    syncedSinceAnswer,
  });
  // `a` was synced by the recovery and still shows the comparison from before its sync.
  const step = bootstrapStep(start, [app('a', true), app('b', false)], now + 1);
  assert.deepEqual(step.sync, ['b']);
  assert.equal(step.done, false, 'a is not Synced and Healthy yet: the recovery waits for it');
  assert.equal(start.timeline.clusterAnsweredAt, new Date(now).toISOString());
});
