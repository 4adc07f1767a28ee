import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatData,
  formatFields,
  formatTable,
  parseKeyValue,
  shortRevision,
  withoutManagedFields,
} from './output.ts';

test('a table pads every column but the last and keeps cells on one line', () => {
  const text = formatTable(
    ['NAME', 'SYNC', 'MESSAGE'],
    [
      ['guestbook', 'Synced', 'all good'],
      ['a', 'OutOfSync', 'line one\n  line two'],
    ],
  );
  assert.equal(
    text,
    [
      'NAME        SYNC        MESSAGE',
      'guestbook   Synced      all good',
      'a           OutOfSync   line one line two',
    ].join('\n'),
  );
});

test('a table with an empty last cell has no trailing spaces', () => {
  assert.equal(formatTable(['A', 'B'], [['x', '']]), 'A   B\nx');
});

test('fields align their values and leave out empty ones', () => {
  assert.equal(
    formatFields([
      ['Name', 'web'],
      ['Sync status', 'Synced'],
      ['Message', undefined],
      ['Other', ''],
    ]),
    'Name:         web\nSync status:  Synced',
  );
});

test('JSON and YAML print the same data', () => {
  const data = [{ name: 'web', spec: { replicas: 2 } }];
  assert.deepEqual(JSON.parse(formatData('json', data)), data);
  assert.equal(formatData('yaml', data), '- name: web\n  spec:\n    replicas: 2');
});

test('commit SHAs are shortened, other revisions are kept', () => {
  assert.equal(shortRevision('0123456789abcdef0123456789abcdef01234567'), '0123456');
  assert.equal(shortRevision('main'), 'main');
  assert.equal(shortRevision('v1.2.3'), 'v1.2.3');
  assert.equal(shortRevision(undefined), '');
});

test('managedFields are dropped from printed objects, nothing else', () => {
  const object = {
    kind: 'Application',
    metadata: { name: 'a', managedFields: [{ manager: 'x' }] },
    spec: {},
  };
  assert.deepEqual(withoutManagedFields(object), { kind: 'Application', metadata: { name: 'a' }, spec: {} });
  assert.equal(object.metadata.managedFields.length, 1);
});

test('key=value splits at the first =', () => {
  assert.deepEqual(parseKeyValue('a.b=c=d', 'label'), ['a.b', 'c=d']);
  assert.deepEqual(parseKeyValue('empty=', 'label'), ['empty', '']);
  assert.throws(() => parseKeyValue('novalue', '--helm-set'), /--helm-set "novalue": expected key=value/);
  assert.throws(() => parseKeyValue('=x', 'label'), /expected key=value/);
});
