import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ManifestParseError, parseManifests } from './parse.ts';

const fixture = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');

/** Runs fn, asserts it throws a ManifestParseError, and returns it for further checks. */
function parseError(fn: () => unknown): ManifestParseError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ManifestParseError, `expected ManifestParseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ManifestParseError');
}

test('multi-document YAML skips empty documents and expands List items', () => {
  const objects = parseManifests(fixture('multi-document.yaml'), 'multi-document.yaml');
  assert.deepEqual(
    objects.map((o) => [o.kind, o.metadata.name ?? o.metadata.generateName]),
    [
      ['Namespace', 'web'],
      ['ConfigMap', 'settings'],
      ['Deployment', 'frontend'],
      ['Job', 'migrate-'],
    ],
  );
});

test('values are read as Kubernetes reads them (YAML 1.1): octal modes, yes as a boolean', () => {
  const [, configMap] = parseManifests(fixture('multi-document.yaml'), 'multi-document.yaml');
  assert.deepEqual(configMap.data, { enabled: 'yes', mode: 0o644, flag: true });
  assert.equal(configMap.metadata.annotations?.['tiphys.dev/sync-wave'], '-1');
});

test('JSON text, tab-indented, is parsed too', () => {
  const objects = parseManifests(fixture('list.json'), 'list.json');
  assert.deepEqual(
    objects.map((o) => o.kind),
    ['Service', 'Secret'],
  );
});

test('empty and comment-only text gives no objects', () => {
  assert.deepEqual(parseManifests('', 'empty.yaml'), []);
  assert.deepEqual(parseManifests('# nothing\n---\n---\n', 'empty.yaml'), []);
});

test('a YAML syntax error names the file, the document and the line', () => {
  const error = parseError(() => parseManifests(fixture('invalid-indentation.yaml'), 'config/app.yaml'));
  assert.equal(error.file, 'config/app.yaml');
  assert.equal(error.document, 2);
  assert.equal(error.line, 10);
  assert.equal(error.terminal, true);
  assert.ok(error.cause instanceof Error);
  assert.match(error.message, /^config\/app\.yaml \(document 2, line 10\): /);
});

test('an object without kind is an error naming the file, document and line', () => {
  const error = parseError(() => parseManifests(fixture('missing-kind.yaml'), 'missing-kind.yaml'));
  assert.equal(error.document, 2);
  assert.equal(error.line, 7);
  assert.match(error.message, /kind is missing/);
});

test('a List item without name or generateName is an error pointing at the item', () => {
  const error = parseError(() => parseManifests(fixture('list-item-missing-name.yaml'), 'l.yaml'));
  assert.equal(error.document, 1);
  assert.equal(error.line, 8);
  assert.match(error.message, /List item 1: ConfigMap has neither metadata.name nor metadata.generateName/);
});

test('objects must have apiVersion, metadata and a name; generateName is enough', () => {
  const cases: Array<[string, RegExp]> = [
    ['kind: ConfigMap\nmetadata: {name: a}\n', /apiVersion is missing/],
    ['apiVersion: v1\nkind: ConfigMap\n', /ConfigMap has no metadata/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ""}\n', /neither metadata.name/],
    ['- a\n- b\n', /expected a Kubernetes object, found a list/],
    ['just a string\n', /found a string/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: 3}\n', /namespace is not a string/],
    [
      'apiVersion: v1\nkind: Job\nmetadata:\n  name: a\n  annotations:\n    tiphys.dev/sync-wave: 1\n',
      /metadata.annotations.tiphys.dev\/sync-wave must be a string/,
    ],
  ];
  for (const [text, reason] of cases) {
    assert.match(parseError(() => parseManifests(text, 'x.yaml')).message, reason, text);
  }
  const [job] = parseManifests('apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: run-}\n', 'x.yaml');
  assert.equal(job.metadata.generateName, 'run-');
});

test('duplicate keys are an error, as in kubectl', () => {
  const error = parseError(() => parseManifests('apiVersion: v1\nkind: A\nkind: B\n', 'dup.yaml'));
  assert.equal(error.line, 3);
  assert.match(error.message, /unique/);
});

test('alias expansion is bounded', () => {
  const error = parseError(() => parseManifests(fixture('alias-bomb.yaml'), 'bomb.yaml'));
  assert.equal(error.document, 1);
  assert.match(error.message, /alias/i);
  // A few aliases stay fine.
  const [ok] = parseManifests('apiVersion: v1\nkind: A\nmetadata: &m {name: a}\ncopy: *m\n', 'ok.yaml');
  assert.deepEqual(ok.copy, { name: 'a' });
});

test('document and total sizes are bounded, counting UTF-8 bytes', () => {
  const doc = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: "ééé"}\n`;
  const text = `${doc('a')}---\n${doc('b')}`;
  assert.equal(parseManifests(text, 's.yaml', { maxDocumentBytes: 100 }).length, 2);
  const tooLarge = parseError(() => parseManifests(text, 's.yaml', { maxDocumentBytes: 60 }));
  assert.equal(tooLarge.document, 1);
  assert.match(tooLarge.message, /larger than 60 bytes/);
  const totalBytes = Buffer.byteLength(text);
  assert.equal(parseManifests(text, 's.yaml', { maxTotalBytes: totalBytes }).length, 2);
  // One byte less than the encoded size, though more than the number of characters.
  assert.ok(text.length < totalBytes - 1);
  const total = parseError(() => parseManifests(text, 's.yaml', { maxTotalBytes: totalBytes - 1 }));
  assert.equal(total.document, undefined);
  assert.match(total.message, /^s\.yaml: text is larger than/);
});
