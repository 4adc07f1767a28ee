// Jsonnet through the real tiphys-jsonnet (go-jsonnet with a rooted importer, built by the
// testbed): arguments, variables, a vendored library folder; and the attacker's imports of
// files outside the repository (../, absolute, a link), each refused with nothing rendered.
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { renderManifests } from './render.ts';
import { tempDir, testTools } from './testkit.ts';
import type { RenderSource, RenderTools } from './types.ts';

let tools: RenderTools;
before(async () => {
  tools = await testTools();
});

/** A checkout under `root/repo`, with `root/secret.libsonnet` beside it (outside the repository). */
async function checkout(files: Record<string, string>): Promise<{ root: string; repo: string }> {
  const root = await tempDir('tiphys-jsonnet-test-');
  const repo = join(root, 'repo');
  await writeFile(join(root, 'secret.libsonnet'), "{ password: 'outside-the-repo' }");
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  return { root, repo };
}

const render = (repo: string, source: RenderSource = {}) =>
  renderManifests({ repoDir: repo, path: 'app', source, appName: 'app', tools });

test('.jsonnet files render with top-level arguments, external variables and library paths', async () => {
  const { repo } = await checkout({
    'vendor/k/cm.libsonnet':
      "{ configMap(name, data):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data } }",
    'app/main.jsonnet': [
      "local k = import 'k/cm.libsonnet';",
      "function(name, replicas) [k.configMap(name, { env: std.extVar('env'), replicas: std.toString(replicas + 1) })]",
    ].join('\n'),
    'app/plain.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
    'app/helpers.libsonnet': '{}',
  });
  const result = await render(repo, {
    directory: {
      jsonnet: {
        libs: ['vendor'],
        extVars: [{ name: 'env', value: '-prod' }],
        tlas: [
          { name: 'name', value: 'from-jsonnet' },
          { name: 'replicas', value: '2', code: true },
        ],
      },
    },
  });
  assert.deepEqual(
    result.objects.map((o) => [o.metadata.name, o.data]),
    [
      ['from-jsonnet', { env: '-prod', replicas: '3' }],
      ['plain', undefined],
    ],
  );
});

test('an import outside the repository is refused: ../, an absolute path, a link out of it', async () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      '../',
      { 'app/main.jsonnet': "import '../../secret.libsonnet'" },
      /import "..\/..\/secret.libsonnet" from app\/main.jsonnet: outside the repository/,
    ],
    [
      'absolute',
      { 'app/main.jsonnet': "importstr '/etc/passwd'" },
      /import "\/etc\/passwd": absolute paths are not allowed/,
    ],
  ];
  for (const [what, files, message] of cases) {
    const { repo } = await checkout(files);
    await assert.rejects(render(repo), (error: Error & { terminal?: boolean }) => {
      assert.match(error.message, message, what);
      assert.doesNotMatch(error.message, /outside-the-repo|root:/, 'no content of the file is shown');
      assert.equal(error.terminal, true);
      return true;
    });
  }
  const { root, repo } = await checkout({ 'app/main.jsonnet': "import 'linked.libsonnet'" });
  await symlink(join(root, 'secret.libsonnet'), join(repo, 'app', 'linked.libsonnet'));
  await assert.rejects(
    render(repo),
    /import "linked.libsonnet" from app\/main.jsonnet: a link to a file outside the repository/,
  );
  // A library path outside the repository is refused before jsonnet runs.
  const other = await checkout({ 'app/main.jsonnet': '[]' });
  await assert.rejects(
    render(other.repo, { directory: { jsonnet: { libs: ['../..'] } } }),
    /path "\.\.\/\.\." is outside the repository/,
  );
});

test('a jsonnet error names the file and line; an invalid variable name is refused', async () => {
  const { repo } = await checkout({ 'app/main.jsonnet': "{ a: error 'boom' }" });
  await assert.rejects(render(repo), /boom[\s\S]*app\/main\.jsonnet:1/);
  const ok = await checkout({ 'app/main.jsonnet': '[]' });
  await assert.rejects(
    render(ok.repo, { directory: { jsonnet: { extVars: [{ name: '--root', value: '/' }] } } }),
    /jsonnet external variable name "--root" is invalid/,
  );
});
