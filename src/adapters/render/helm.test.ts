import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { escapeSetValue, setArgument } from './helm.ts';
import {
  type HelmOptions,
  RenderError,
  type RenderRequest,
  RenderToolError,
  renderManifests,
} from './render.ts';
import { testdataDir, testTools, treeSnapshot } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;

before(async () => {
  tools = await testTools();
});

const request = (
  path: string,
  helm: HelmOptions = {},
  extra: Partial<RenderRequest> = {},
): RenderRequest => ({
  repoDir: testdataDir,
  path,
  source: { helm },
  appName: 'facts-app',
  tools,
  ...extra,
});

async function facts(helm: HelmOptions = {}, extra: Partial<RenderRequest> = {}) {
  const result = await renderManifests(request('helm-capabilities', helm, extra));
  assert.equal(result.renderer, 'helm');
  assert.equal(result.objects.length, 1);
  const [configMap] = result.objects;
  return { metadata: configMap.metadata, data: configMap.data as Record<string, string> };
}

test('release name, namespace and kube version reach the templates', async () => {
  const { metadata, data } = await facts({}, { namespace: 'payments', kubeVersion: 'v1.36.3' });
  assert.equal(metadata.name, 'facts-app-facts');
  assert.equal(metadata.namespace, 'payments');
  assert.equal(data.kubeVersion, 'v1.36.3');
  assert.equal((await facts({ releaseName: 'custom' })).metadata.name, 'custom-facts');
});

test('value files, then inline values, then parameters, each overriding the one before', async () => {
  const before = await treeSnapshot(testdataDir);
  const { data } = await facts({
    valueFiles: ['values-staging.yaml'],
    values: 'tag: v2\nreplicaCount: 2\n',
    parameters: [
      { name: 'replicaCount', value: '3' },
      { name: 'tag', value: '123', forceString: true },
      { name: 'list', value: '{a,b}' },
    ],
  });
  assert.equal(data.greeting, 'hello from staging');
  assert.equal(data.replicaCount, '3');
  assert.equal(data.replicaCountType, 'int64');
  assert.equal(data.tag, '123');
  assert.equal(data.tagType, 'string');
  assert.equal(data.list, 'a;b');
  // The inline values went to a temporary file, not into the chart.
  assert.deepEqual(await treeSnapshot(testdataDir), before);
});

test('a comma in a parameter value stays in the value', async () => {
  const { data } = await facts({ parameters: [{ name: 'greeting', value: 'hello, world' }] });
  assert.equal(data.greeting, 'hello, world');
});

test('escapeSetValue and setArgument', () => {
  assert.equal(escapeSetValue('a,b'), 'a\\,b');
  assert.equal(escapeSetValue('a\\,b'), 'a\\,b');
  assert.equal(escapeSetValue('{a,b}'), '{a,b}');
  assert.equal(setArgument({ name: 'x', value: '-y' }), '--set=x=-y');
  assert.equal(setArgument({ name: 'x', value: '1', forceString: true }), '--set-string=x=1');
  assert.throws(() => setArgument({ name: '', value: '1' }), RenderError);
});

test('a chart whose dependencies are not vendored gives a clear terminal error', async () => {
  await assert.rejects(renderManifests(request('helm-missing-dependency')), (error: unknown) => {
    assert.ok(error instanceof RenderToolError, String(error));
    assert.equal(error.terminal, true);
    assert.match(error.message, /dependencies that are not vendored.*redis/s);
    return true;
  });
});

test('a missing value file and a bad release name are terminal errors', async () => {
  await assert.rejects(renderManifests(request('helm-capabilities', { valueFiles: ['nope.yaml'] })), {
    name: 'RenderError',
    terminal: true,
    message: /helm value file "nope.yaml" does not exist/,
  });
  await assert.rejects(renderManifests(request('helm-capabilities', { valueFiles: ['https://x/v.yaml'] })), {
    terminal: true,
    message: /remote value files are not supported/,
  });
  await assert.rejects(renderManifests(request('helm-capabilities', { releaseName: '--debug' })), {
    terminal: true,
    message: /release name "--debug" is invalid/,
  });
});

test('a template error is a terminal RenderToolError carrying helm stderr', async () => {
  await assert.rejects(
    renderManifests(request('helm-capabilities', { parameters: [{ name: 'fail', value: 'true' }] })),
    (error: unknown) => {
      assert.ok(error instanceof RenderToolError, String(error));
      assert.equal(error.terminal, true);
      assert.match(error.message, /^helm failed \(exit 1\): Error: .*asked to fail/s);
      return true;
    },
  );
});
