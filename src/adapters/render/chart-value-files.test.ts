// Value files shipped inside a chart archive (`values-prod.yaml`), rendered by the real helm,
// and the paths an attacker would write: climbing out of the chart, absolute, remote, a file the
// chart does not have, a chart archive whose entries climb out.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tarGz } from '../../../testbed/src/artifacts.ts';
import { packageChart } from '../../../testbed/src/charts.ts';
import { validateApplication } from '../../core/model/application.ts';
import { renderHelmArchive } from './helm-archive.ts';
import { tempDir, testTools } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;
let work: string;
let archive: string;

before(async () => {
  tools = await testTools();
  work = await tempDir('tiphys-chart-values-');
  archive = await packageChart(tools.helm, work, {
    name: 'shop',
    version: '1.0.0',
    files: { 'values-prod.yaml': 'greeting: hello from prod\n', 'values-eu.yaml': 'greeting: hallo\n' },
  });
});

const render = (valueFiles: string[], chart = archive) =>
  renderHelmArchive({
    archive: chart,
    label: 'chart shop 1.0.0',
    helm: { valueFiles },
    appName: 'app',
    tools,
  });

test("a chart's own value files are read from the archive, in the order listed", async () => {
  const [prod] = await render(['values-prod.yaml']);
  assert.equal((prod.data as Record<string, string>).greeting, 'hello from prod');
  const [eu] = await render(['values-prod.yaml', './values-eu.yaml']);
  assert.equal((eu.data as Record<string, string>).greeting, 'hallo');
  const [back] = await render(['values-eu.yaml', 'values-prod.yaml']);
  assert.equal((back.data as Record<string, string>).greeting, 'hello from prod');
});

test('value files that climb out of the chart, absolute, remote or absent are refused by name', async () => {
  const cases: [string, RegExp][] = [
    ['../../../../etc/passwd', /"\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd": it climbs out of the chart/],
    ['templates/../../x.yaml', /climbs out of the chart/],
    ['/etc/passwd', /"\/etc\/passwd": an absolute path/],
    ['https://evil.example.com/v.yaml', /remote value files are not supported/],
    [
      'values-staging.yaml',
      /"values-staging\.yaml" is not a file of the chart \(it has: .*values-prod\.yaml/,
    ],
  ];
  for (const [file, pattern] of cases) await assert.rejects(render([file]), pattern, file);
  // Validation says it before any render.
  const errors = validateApplication({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a' },
    spec: {
      source: {
        repoURL: 'oci://r.example.com/charts',
        chart: 'shop',
        helm: { valueFiles: ['values-prod.yaml', '../x.yaml', '/etc/passwd'] },
      },
      destination: {},
    },
  });
  assert.deepEqual(errors, [
    'spec.source.helm.valueFiles: "../x.yaml": it climbs out of the chart',
    'spec.source.helm.valueFiles: "/etc/passwd": an absolute path; name a file of the chart, like values-prod.yaml',
  ]);
});

test('a chart archive whose entries climb out is refused, not read', async () => {
  const evil = join(work, 'evil-1.0.0.tgz');
  await writeFile(
    evil,
    tarGz([
      { name: 'evil/Chart.yaml', data: 'apiVersion: v2\nname: evil\nversion: 1.0.0\n' },
      { name: 'evil/../../values-prod.yaml', data: 'greeting: x\n' },
    ]),
  );
  await assert.rejects(render(['values-prod.yaml'], evil), /climbs out of the artifact/);
});
