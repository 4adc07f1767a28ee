import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { atMostOneOf, StringEnum } from './common.ts';
import { fieldPath, schemaErrors } from './validate.ts';

test('JSON pointers become field paths', () => {
  assert.equal(fieldPath(''), '');
  assert.equal(fieldPath('/spec/ignoreDifferences/0/kind'), 'spec.ignoreDifferences[0].kind');
  assert.equal(
    fieldPath('/metadata/labels/app.kubernetes.io~1name'),
    'metadata.labels["app.kubernetes.io/name"]',
  );
  assert.equal(fieldPath('/a~0b'), '["a~b"]');
});

test('every error is reported, beyond TypeBox’s default limit of eight', () => {
  const schema = Type.Object({ items: Type.Array(Type.String()) });
  const errors = schemaErrors(schema, { items: Array.from({ length: 20 }, (_, i) => i) });
  assert.equal(errors.length, 20);
  assert.equal(errors[19], 'items[19]: must be string');
});

test('enums list their values; exclusive fields say which', () => {
  const schema = Type.Object(
    {
      phase: StringEnum({ A: 'Running', B: 'Done' }),
      x: Type.Optional(Type.String()),
      y: Type.Optional(Type.String()),
    },
    atMostOneOf('x', 'y'),
  );
  assert.deepEqual(schemaErrors(schema, { phase: 'Paused', x: '1', y: '2' }), [
    'phase: must be one of Running, Done',
    'set at most one of x, y',
  ]);
});
