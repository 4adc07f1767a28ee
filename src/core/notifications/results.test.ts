import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationResult } from '../model/application-status.ts';
import { keepLastPerDestination } from './results.ts';

const result = (trigger: string, service: string, at: string, extra: Partial<NotificationResult> = {}) =>
  ({ trigger, service, outcome: 'Delivered', at, ...extra }) as NotificationResult;

test('a new result replaces the previous one of its trigger and destination only', () => {
  const list = [
    result('on-sync-failed', 'hook', 't1', { outcome: 'Failed', message: 'HTTP 500' }),
    result('on-deployed', 'hook', 't2'),
  ];
  const next = keepLastPerDestination(list, result('on-deployed', 'hook', 't3'));
  assert.deepEqual(
    next.map((r) => [r.trigger, r.at, r.outcome]),
    [
      ['on-sync-failed', 't1', 'Failed'],
      ['on-deployed', 't3', 'Delivered'],
    ],
  );
});

test('recipients of one service are destinations of their own', () => {
  const list = [result('on-deployed', 'slack', 't1', { recipient: '#a' })];
  const next = keepLastPerDestination(list, result('on-deployed', 'slack', 't2', { recipient: '#b' }));
  assert.deepEqual(
    next.map((r) => r.recipient),
    ['#a', '#b'],
  );
});

test('an older list with repeats keeps the newest of each; the bound drops the oldest', () => {
  const list = [result('x', 's', 't1'), result('x', 's', 't2'), result('y', 's', 't3')];
  assert.deepEqual(
    keepLastPerDestination(list, result('z', 's', 't4')).map((r) => r.at),
    ['t2', 't3', 't4'],
  );
  assert.deepEqual(
    keepLastPerDestination(list, result('z', 's', 't4'), 2).map((r) => r.at),
    ['t3', 't4'],
  );
});
