import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { liveMembers, observe, ownerOf } from './assign.ts';

const clusters = Array.from({ length: 300 }, (_, i) => `cluster-${i}`);

describe('shard assignment', () => {
  test('every cluster has exactly one owner among the members, whatever their order', () => {
    const members = ['a', 'b', 'c'];
    for (const c of clusters) {
      const owner = ownerOf(c, members);
      assert.ok(owner && members.includes(owner));
      assert.equal(ownerOf(c, ['c', 'a', 'b']), owner);
    }
    assert.equal(ownerOf('x', []), undefined);
  });

  test('clusters spread over the members', () => {
    const counts = new Map<string, number>();
    for (const c of clusters) {
      const owner = ownerOf(c, ['a', 'b', 'c']) as string;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const member of ['a', 'b', 'c'])
      assert.ok((counts.get(member) ?? 0) > 60, `${member}: ${counts.get(member)}`);
  });

  test('a member leaving moves only its own clusters, to the survivors', () => {
    const before = new Map(clusters.map((c) => [c, ownerOf(c, ['a', 'b', 'c'])]));
    for (const c of clusters) {
      const after = ownerOf(c, ['a', 'c']);
      if (before.get(c) !== 'b') assert.equal(after, before.get(c), `${c} moved`);
      else assert.ok(after === 'a' || after === 'c');
    }
  });

  test('a peer is alive until one lease duration after its Lease was last seen changing', () => {
    let seen = observe(undefined, { identity: 'b', version: '1', leaseDurationMs: 15_000 }, 1_000);
    assert.deepEqual(liveMembers('a', [seen], 10_000), ['a', 'b']);
    // Read again unchanged: it keeps aging from the first sight of that version.
    seen = observe(seen, { identity: 'b', version: '1', leaseDurationMs: 15_000 }, 12_000);
    assert.deepEqual(liveMembers('a', [seen], 16_000), ['a']);
    seen = observe(seen, { identity: 'b', version: '2', leaseDurationMs: 15_000 }, 17_000);
    assert.deepEqual(liveMembers('a', [seen], 20_000), ['a', 'b']);
  });
});
