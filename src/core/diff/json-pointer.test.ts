import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPointer, parsePointer, removeAtPointer } from './json-pointer.ts';

test('json pointer: ~1 and ~0 escapes round-trip, ~01 means the text ~1', () => {
  assert.deepEqual(parsePointer('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
  assert.equal(formatPointer(['a/b', 'c~d', '~1', 0]), '/a~1b/c~0d/~01/0');
  assert.deepEqual(parsePointer(''), []);
  assert.equal(parsePointer('no-slash'), undefined);
});

const cases: { name: string; pointer: string; before: unknown; after: unknown }[] = [
  {
    name: 'a field',
    pointer: '/spec/replicas',
    before: { spec: { replicas: 2, x: 1 } },
    after: { spec: { x: 1 } },
  },
  { name: 'a list item', pointer: '/list/1', before: { list: ['a', 'b', 'c'] }, after: { list: ['a', 'c'] } },
  {
    name: 'inside a list item',
    pointer: '/l/0/v',
    before: { l: [{ v: 1, w: 2 }] },
    after: { l: [{ w: 2 }] },
  },
  {
    name: 'an escaped key',
    pointer: '/metadata/annotations/example.com~1hash',
    before: { metadata: { annotations: { 'example.com/hash': 'x', keep: 'y' } } },
    after: { metadata: { annotations: { keep: 'y' } } },
  },
  { name: 'a missing path', pointer: '/nope/deeper', before: { a: 1 }, after: { a: 1 } },
  { name: 'an index out of range', pointer: '/list/5', before: { list: [1] }, after: { list: [1] } },
  { name: 'a non-numeric index', pointer: '/list/-', before: { list: [1] }, after: { list: [1] } },
  { name: 'the whole document (never)', pointer: '', before: { a: 1 }, after: { a: 1 } },
  { name: 'an inherited property (never)', pointer: '/toString', before: { a: 1 }, after: { a: 1 } },
];
for (const { name, pointer, before, after } of cases) {
  test(`json pointer: removes ${name}`, () => {
    const document = structuredClone(before);
    removeAtPointer(document, pointer);
    assert.deepEqual(document, after);
  });
}
