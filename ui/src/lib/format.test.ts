import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortRevision, timeAgo } from './format.ts';

test('shortRevision shortens commit SHAs only', () => {
  assert.equal(shortRevision('0123456789abcdef0123456789abcdef01234567'), '0123456');
  assert.equal(shortRevision('main'), 'main');
  assert.equal(shortRevision(undefined), '—');
});

test('timeAgo', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(timeAgo('2026-01-01T11:59:30Z', now), '30s ago');
  assert.equal(timeAgo('2026-01-01T11:55:00Z', now), '5m ago');
  assert.equal(timeAgo('2026-01-01T09:00:00Z', now), '3h ago');
  assert.equal(timeAgo('2025-12-30T12:00:00Z', now), '2d ago');
  assert.equal(timeAgo('not a time', now), '');
});
