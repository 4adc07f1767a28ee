import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinRevisions, repoURLsOf, sourcesProblems, splitRevisions, valueFileRef } from './app-sources.ts';
import { type Application, validateApplication, withDefaults } from './application.ts';
import { projectViolations } from './project-policy.ts';

const chart = { repoURL: 'oci://registry.example.com/charts', chart: 'shop', targetRevision: '1.x' };
const values = { repoURL: 'https://git.example.com/team/config', ref: 'values' };

function app(spec: Partial<Application['spec']>): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop' },
    spec: { destination: { namespace: 'shop' }, ...spec },
  } as Application;
}

describe('several sources', () => {
  test('a chart with value files of a ref source is valid; its defaults fill each source', () => {
    const written = app({
      sources: [{ ...chart, helm: { valueFiles: ['$values/shop/prod.yaml'] } }, values],
    });
    assert.deepEqual(validateApplication(written), []);
    const spec = withDefaults(written).spec;
    assert.equal(spec.source.chart, 'shop', 'source is the first source that renders');
    assert.deepEqual(
      spec.sources?.map((s) => [s.targetRevision, s.path]),
      [
        ['1.x', '.'],
        ['HEAD', ''],
      ],
      'a ref source without a path keeps none (it is not rendered)',
    );
    assert.deepEqual(repoURLsOf(written.spec), [chart.repoURL, values.repoURL]);
  });

  test('source and sources together, or neither, are refused', () => {
    assert.match(
      validateApplication(app({ source: values, sources: [chart] })).join('\n'),
      /either source or sources/,
    );
    assert.match(validateApplication(app({})).join('\n'), /spec.source: is required/);
  });

  test('refs: unknown, duplicated, on a chart, and value files a chart cannot read', () => {
    const problems = sourcesProblems([
      {
        ...chart,
        ref: 'c',
        helm: { valueFiles: ['$missing/a.yaml', 'values-prod.yaml', '$values//etc/passwd'] },
      },
      values,
      { ...values, ref: 'values' },
    ]);
    assert.deepEqual(problems, [
      'spec.sources[0].ref: a chart source cannot be a ref; refs name Git sources',
      'spec.sources[2].ref: "values" is also the ref of sources[1]',
      'spec.sources[0].helm.valueFiles: "$missing/a.yaml" names $missing, which no source has as ref',
      `spec.sources[0].helm.valueFiles: "$values//etc/passwd" must name a file relative to the ref's repository`,
    ]);
    assert.match(sourcesProblems([values]).join(''), /at least one must render/);
  });

  test('allowEmpty belongs to chart sources; a ref to spec.sources', () => {
    const errors = validateApplication(app({ source: { ...values, allowEmpty: true } }));
    assert.ok(
      errors.some((e) => /spec.source.allowEmpty: only a chart source/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /spec.source.ref: only sources of spec.sources/.test(e)),
      errors.join('\n'),
    );
  });

  test('the revision names each source, and a rollback revision must name as many', () => {
    const joined = joinRevisions(['1.2.0@sha256:ab', 'c0ffee']);
    assert.deepEqual(splitRevisions(joined, 2), ['1.2.0@sha256:ab', 'c0ffee']);
    assert.throws(() => splitRevisions('main', 2), /does not name a revision for each of the 2 sources/);
    assert.throws(() => splitRevisions('a;', 2), /does not name a revision/);
  });

  test('value file references', () => {
    assert.deepEqual(valueFileRef('$values/env/prod.yaml'), { ref: 'values', path: 'env/prod.yaml' });
    assert.equal(valueFileRef('env/prod.yaml'), undefined);
  });

  test('the project must permit every source: one repository it does not list is named', () => {
    const problems = projectViolations(
      'team-a',
      { sourceRepos: ['https://git.example.com/team/*'], destinations: [{ namespace: '*' }] },
      { repoURL: repoURLsOf({ sources: [chart, values] }), cluster: 'in-cluster', namespace: 'shop' },
    );
    assert.deepEqual(problems, [`repository ${chart.repoURL} is not permitted in project team-a`]);
  });
});
