// Helm value files of another source of the app (`$REF/path`, spec.sources), and a chart
// archive that renders nothing: the real helm, and the paths an attacker would write.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { EmptyChartRenderError } from './empty-render.ts';
import { renderHelmArchive } from './helm-archive.ts';
import { PathOutsideRepoError, RenderError, renderManifests } from './render.ts';
import { tempDir, testdataDir, testTools } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;
let refDir: string;
let outside: string;

before(async () => {
  tools = await testTools();
  const root = await tempDir();
  refDir = join(root, 'config');
  outside = join(root, 'outside.yaml');
  await writeFile(outside, 'greeting: stolen from outside the repository\n');
  await mkdir(join(refDir, 'env'), { recursive: true });
  await writeFile(join(refDir, 'env', 'prod.yaml'), 'greeting: hello from prod values\n');
  await symlink(outside, join(refDir, 'env', 'leak.yaml'));
  await symlink(root, join(refDir, 'up'));
});

const renderWith = (valueFiles: string[]) =>
  renderManifests({
    repoDir: testdataDir,
    path: 'helm-capabilities',
    source: { helm: { valueFiles } },
    appName: 'facts-app',
    tools,
    valueRefs: { values: refDir },
  });

describe('value files of a ref source', () => {
  test('$values/path is read from the ref source checkout', async () => {
    const { objects } = await renderWith(['$values/env/prod.yaml']);
    assert.equal((objects[0].data as Record<string, string>).greeting, 'hello from prod values');
  });

  for (const [file, refused] of [
    ['$values/../outside.yaml', PathOutsideRepoError],
    ['$values/env/leak.yaml', PathOutsideRepoError],
    ['$values/up/outside.yaml', PathOutsideRepoError],
    ['$values//etc/passwd', PathOutsideRepoError],
    ['$other/env/prod.yaml', RenderError],
    ['$../env/prod.yaml', RenderError],
    ['$values/env', RenderError],
  ] as const) {
    test(`${file} is refused and nothing is rendered`, async () => {
      await assert.rejects(renderWith([file]), (error: Error) => {
        assert.ok(error instanceof refused, `${error.name}: ${error.message}`);
        assert.ok(
          error.message.includes(file.replace('$values/', '')) || error.message.includes(file),
          error.message,
        );
        assert.doesNotMatch(error.message, /stolen/);
        return true;
      });
    });
  }
});

describe('a chart archive that renders nothing', () => {
  let archive: string;

  before(async () => {
    const dir = await tempDir();
    const chart = join(dir, 'quiet');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: quiet\nversion: 0.3.1\n');
    await writeFile(
      join(chart, 'templates', 'cm.yaml'),
      '{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: quiet\n{{- end }}\n',
    );
    await promisify(execFile)(tools.helm, ['package', chart, '-d', dir], {
      env: { PATH: process.env.PATH, HOME: dir },
    });
    archive = join(dir, (await readdir(dir)).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
  });

  const render = (allowEmpty: boolean, values?: string) =>
    renderHelmArchive({
      archive,
      label: 'chart quiet 0.3.1@sha256:0123',
      helm: values ? { values } : {},
      allowEmpty,
      appName: 'quiet',
      tools,
    });

  test('is an EmptyRender error naming the chart and version, unless the source allows it', async () => {
    await assert.rejects(render(false), (error: Error) => {
      assert.ok(error instanceof EmptyChartRenderError);
      assert.match(error.message, /^chart quiet 0\.3\.1@sha256:0123 rendered no object/);
      assert.match(error.message, /allowEmpty: true/);
      return true;
    });
    assert.deepEqual(await render(true), []);
    assert.equal((await render(false, 'enabled: true\n')).length, 1, 'with values that render, no error');
  });

  test('a plain value file is read from the chart itself: one it does not ship is refused, named', async () => {
    await assert.rejects(
      renderHelmArchive({
        archive,
        label: 'chart quiet 0.3.1',
        helm: { valueFiles: ['values.yaml'] },
        appName: 'q',
        tools,
      }),
      /chart quiet 0\.3\.1: helm value file "values.yaml" is not a file of the chart/,
    );
  });
});
