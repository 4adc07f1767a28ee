import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pipeline } from '../api/types.ts';
import { applyPipelineEvents, listWithEventsSince } from './pipelines-reduce.ts';

const pipeline = (name: string, message = ''): Pipeline => ({
  metadata: { name },
  spec: { project: 'default', repoURL: 'r', layout: 'overlays', stages: [] },
  status: { conditions: message ? [{ type: 'Note', message }] : [] },
});
const names = (list: Pipeline[]) =>
  list.map((p) => `${p.metadata.name}:${p.status?.conditions?.[0]?.message ?? ''}`);

describe('applyPipelineEvents', () => {
  test('added, modified and deleted, in name order', () => {
    const next = applyPipelineEvents(
      [pipeline('b')],
      [
        { type: 'ADDED', pipeline: pipeline('c') },
        { type: 'ADDED', pipeline: pipeline('a') },
        { type: 'MODIFIED', pipeline: pipeline('b', 'promoted') },
        { type: 'DELETED', pipeline: pipeline('c') },
      ],
    );
    assert.deepEqual(names(next), ['a:', 'b:promoted']);
  });

  test('no events keep the same array (no re-render)', () => {
    const list = [pipeline('a')];
    assert.equal(applyPipelineEvents(list, []), list);
  });
});

describe('listWithEventsSince', () => {
  test('events newer than a list answer are not lost to it', () => {
    const answer = [pipeline('b', 'old'), pipeline('a')];
    const since = [
      { type: 'MODIFIED' as const, pipeline: pipeline('b', 'new') },
      { type: 'DELETED' as const, pipeline: pipeline('a') },
    ];
    assert.deepEqual(names(listWithEventsSince(answer, since)), ['b:new']);
  });
});
