import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateApplication } from '../model/application.ts';
import {
  chartLocationOf,
  chartSourceProblem,
  formatChartRevision,
  parseChartRevision,
} from './chart-source.ts';

test('chart sources: https repositories and oci registries, parsed to the host credentials match', () => {
  assert.deepEqual(chartLocationOf('https://Charts.Example.com/stable/', 'nginx'), {
    kind: 'https',
    host: 'charts.example.com',
    repoURL: 'https://charts.example.com/stable',
    repository: '',
    chart: 'nginx',
  });
  assert.deepEqual(chartLocationOf('oci://registry.example.com:5000/team/charts', 'web'), {
    kind: 'oci',
    host: 'registry.example.com:5000',
    repoURL: 'oci://registry.example.com:5000/team/charts',
    repository: 'team/charts/web',
    chart: 'web',
  });
});

test('chart sources that could leak or confuse are refused with the reason', () => {
  const cases: [string, string, RegExp][] = [
    ['http://charts.example.com', 'nginx', /must start with https:\/\/ or oci:\/\//],
    ['https://user:pw@charts.example.com', 'nginx', /holds credentials/],
    ['https://charts.example.com', '../etc', /chart name "..\/etc" is invalid/],
    ['oci://registry.example.com/Team', 'web', /not a valid registry repository/],
    ['https://charts.example.com?x=1', 'nginx', /query or fragment/],
  ];
  for (const [url, chart, problem] of cases) assert.match(chartSourceProblem(url, chart) ?? '', problem, url);
});

test('an Application with a chart is validated as a chart source, not as a Git URL', () => {
  const app = (source: Record<string, unknown>) => ({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web' },
    spec: { source, destination: {} },
  });
  assert.deepEqual(validateApplication(app({ repoURL: 'oci://r.example.com/charts', chart: 'web' })), []);
  // Without chart, oci:// is an OCI artifact of manifests, which needs a tag or digest.
  assert.match(
    validateApplication(app({ repoURL: 'oci://r.example.com/charts' })).join('\n'),
    /an OCI artifact source needs targetRevision/,
  );
  assert.match(
    validateApplication(app({ repoURL: 'ftp://r.example.com', chart: 'web' })).join('\n'),
    /spec\.source: chart repository URL "ftp:\/\/r.example.com" must start with https:\/\/ or oci:\/\//,
  );
});

test('a resolved chart revision is VERSION@sha256:DIGEST', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.equal(formatChartRevision({ version: '1.2.3+build', digest }), `1.2.3+build@${digest}`);
  assert.deepEqual(parseChartRevision(`1.2.3+build@${digest}`), { version: '1.2.3+build', digest });
  assert.equal(parseChartRevision('^1.2.0'), undefined);
  assert.equal(parseChartRevision('1.0.0@sha256:short'), undefined);
});
