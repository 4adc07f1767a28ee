import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VerificationState } from '../model/pipeline.ts';
import { afterFailedAttempt, retryDue } from './verification-retry.ts';

const now = new Date('2026-11-30T12:00:00Z');
const running = (attempt: number): VerificationState => ({
  freight: 'f1',
  job: `ns/verify-p-dev-f1${attempt > 1 ? `-r${attempt - 1}` : ''}`,
  phase: 'Running',
  startedAt: now.toISOString(),
  attempt,
});

describe('verification retries', () => {
  test('without retries a failed Job fails the gate at once, with its reason', () => {
    const state = afterFailedAttempt({ job: {} }, running(1), 'BackoffLimitExceeded', now);
    assert.equal(state.phase, 'Failed');
    assert.equal(state.message, 'BackoffLimitExceeded');
  });

  test('retries: 2 retries twice with a doubling backoff, then fails saying so', () => {
    const spec = { job: {}, retries: 2, retryBackoffSeconds: 5 };
    const first = afterFailedAttempt(spec, running(1), 'exit 1', now);
    assert.equal(first.phase, 'Retrying');
    assert.equal(first.retryAt, '2026-11-30T12:00:05.000Z');
    assert.match(first.message ?? '', /^attempt 1 of 3 failed: exit 1; retry at 2026-11-30T12:00:05\.000Z$/);
    assert.equal(retryDue(first, new Date('2026-11-30T12:00:04Z')), false);
    assert.equal(retryDue(first, new Date('2026-11-30T12:00:05Z')), true);
    const second = afterFailedAttempt(spec, running(2), 'exit 1', now);
    assert.equal(second.retryAt, '2026-11-30T12:00:10.000Z');
    const last = afterFailedAttempt(spec, running(3), 'exit 1', now);
    assert.equal(last.phase, 'Failed');
    assert.equal(last.retryAt, undefined);
    assert.equal(last.message, 'exit 1 (attempt 3 of 3, no retry left)');
  });

  test('a state written before attempts existed counts as the first attempt; only Retrying is due', () => {
    const { attempt: _, ...old } = running(1);
    assert.equal(afterFailedAttempt({ job: {}, retries: 1 }, old, 'x', now).phase, 'Retrying');
    assert.equal(retryDue(running(1), now), false);
    assert.equal(retryDue({ ...running(1), phase: 'Failed' }, now), false);
  });
});
