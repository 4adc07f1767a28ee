import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Application } from '../api/types.ts';
import { applyEvents, replaceAll, sortedByName } from './apps-reduce.ts';

const app = (name: string, resourceVersion: string, health = 'Healthy' as const): Application => ({
  metadata: { name, resourceVersion },
  spec: { source: { repoURL: 'r' }, destination: {} },
  status: { health: { status: health } },
});

describe('applyEvents', () => {
  const start = new Map([['a', app('a', '10')]]);

  test('added, modified and deleted', () => {
    const next = applyEvents(start, [
      { type: 'ADDED', application: app('b', '11') },
      { type: 'MODIFIED', application: app('a', '12', 'Healthy') },
      { type: 'DELETED', application: app('b', '13') },
    ]);
    assert.deepEqual([...next.keys()], ['a']);
    assert.equal(next.get('a')?.metadata.resourceVersion, '12');
    assert.equal(start.get('a')?.metadata.resourceVersion, '10', 'the input is left unchanged');
  });

  test('an older copy does not replace a newer one', () => {
    const next = applyEvents(start, [{ type: 'MODIFIED', application: app('a', '9') }]);
    assert.equal(next.get('a')?.metadata.resourceVersion, '10');
  });

  test('no events: the same map, so nothing re-renders', () => {
    assert.equal(applyEvents(start, []), start);
  });
});

describe('replaceAll', () => {
  test('a listing replaces the map but keeps newer streamed copies', () => {
    const current = new Map([
      ['a', app('a', '20')],
      ['gone', app('gone', '5')],
    ]);
    const next = replaceAll(current, [app('a', '15'), app('b', '16')]);
    assert.deepEqual([...next.keys()].sort(), ['a', 'b']);
    assert.equal(next.get('a')?.metadata.resourceVersion, '20');
  });

  test('sorted by name', () => {
    const next = replaceAll(new Map(), [app('b', '1'), app('a', '2'), app('c', '3')]);
    assert.deepEqual(
      sortedByName(next).map((a) => a.metadata.name),
      ['a', 'b', 'c'],
    );
  });
});
