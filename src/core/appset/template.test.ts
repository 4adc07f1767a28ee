import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flatten, normalizeName, pathParams } from './params.ts';
import { mergeTemplate, renderTemplate, substitute, unresolvedTags } from './template.ts';

test('substitute: {{name}} and {{ name }} take the param; an unknown tag stays as written', () => {
  const params = { cluster: 'eu-1', 'path.basename': 'shop', 'metadata.labels.region': 'eu' };
  assert.equal(substitute('{{cluster}}-{{ path.basename }}', params), 'eu-1-shop');
  assert.equal(substitute('{{metadata.labels.region}}', params), 'eu');
  assert.equal(substitute('{{nope}}-x', params), '{{nope}}-x');
  assert.equal(substitute('no tags', params), 'no tags');
  assert.equal(substitute('{{cluster}}{{cluster}}', params), 'eu-1eu-1');
});

test('renderTemplate: strings and keys everywhere in the object, other values kept', () => {
  const out = renderTemplate(
    { metadata: { name: '{{n}}', labels: { '{{k}}': '{{v}}' } }, spec: { list: ['{{n}}', 3], flag: true } },
    { n: 'a', k: 'team', v: 'red' },
  );
  assert.deepEqual(out, {
    metadata: { name: 'a', labels: { team: 'red' } },
    spec: { list: ['a', 3], flag: true },
  });
});

test('a value containing quotes or braces is inserted as text, not parsed', () => {
  assert.equal(substitute('x={{v}}', { v: '"}},{{y}}' }), 'x="}},{{y}}');
});

test('unresolvedTags names each tag left', () => {
  assert.deepEqual(unresolvedTags({ a: '{{x}}', b: ['{{ y }}', 'ok'] }), ['{{x}}', '{{ y }}']);
  assert.deepEqual(unresolvedTags({ a: 'done' }), []);
});

test('mergeTemplate: the override wins key by key; empty values do not erase', () => {
  const base = {
    metadata: { name: '{{a}}', labels: { x: '1' } },
    spec: { project: 'p', source: { path: 'a' } },
  };
  const merged = mergeTemplate(base, {
    metadata: { labels: { y: '2' } },
    spec: { source: { path: 'b' }, project: '' },
  });
  assert.deepEqual(merged, {
    metadata: { name: '{{a}}', labels: { x: '1', y: '2' } },
    spec: { project: 'p', source: { path: 'b' } },
  });
  assert.equal(mergeTemplate(base, undefined), base);
});

test('normalizeName makes an object name of anything', () => {
  assert.equal(normalizeName('My_Cluster.EU'), 'my-cluster.eu');
  assert.equal(normalizeName('--a b--'), 'a-b');
  assert.equal(normalizeName('https://x:443'), 'https---x-443');
});

test('flatten: nested keys with dots, arrays by index', () => {
  assert.deepEqual(flatten({ a: { b: 'c', n: 2, t: true }, list: [{ x: 'y' }], z: null }), {
    'a.b': 'c',
    'a.n': '2',
    'a.t': 'true',
    'list.0.x': 'y',
    z: '',
  });
});

test('pathParams: path, basename, segments, file names, prefix', () => {
  assert.deepEqual(pathParams('apps/Web_Shop'), {
    path: 'apps/Web_Shop',
    'path.basename': 'Web_Shop',
    'path.basenameNormalized': 'web-shop',
    'path[0]': 'apps',
    'path[1]': 'Web_Shop',
  });
  const file = pathParams('env/prod', 'cfg', 'config.json');
  assert.equal(file['cfg.path'], 'env/prod');
  assert.equal(file['cfg.path.filename'], 'config.json');
  assert.equal(file['cfg.path.filenameNormalized'], 'config.json');
  assert.equal(pathParams('.').path, '.');
});
