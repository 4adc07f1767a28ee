import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppProject } from '../core/model/app-project.ts';
import type { Application } from '../core/model/application.ts';
import type { Pipeline } from '../core/model/pipeline.ts';
import { pipelineProblems } from './pipelines.ts';

const REPO = 'https://git.example.com/team-a/config.git';
const project: AppProject = {
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'team-a' },
  spec: { sourceRepos: [REPO], destinations: [{ cluster: '*', namespace: 'team-a-*' }] },
};
const app = (name: string, projectName: string, repoURL = REPO): Application =>
  ({
    metadata: { name },
    spec: { project: projectName, source: { repoURL }, destination: { namespace: `team-a-${name}` } },
  }) as Application;
const apps = new Map([
  ['dev', app('dev', 'team-a')],
  ['prod', app('prod', 'team-a')],
  ['theirs', app('theirs', 'team-b')],
  ['elsewhere', app('elsewhere', 'team-a', 'https://git.example.com/other.git')],
]);
const pipeline = (prodApps: string[], repoURL = REPO, verificationNamespace?: string): Pipeline => ({
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'p' },
  spec: {
    project: 'team-a',
    repoURL,
    layout: 'overlays',
    stages: [
      {
        name: 'dev',
        applications: ['dev'],
        path: 'dev',
        ...(verificationNamespace ? { verification: { namespace: verificationNamespace, job: {} } } : {}),
      },
      { name: 'prod', applications: prodApps, path: 'prod' },
    ],
  },
});
const problems = (p: Pipeline) => pipelineProblems(p, project, (name) => apps.get(name));

describe('pipeline project rules', () => {
  test("a pipeline of its own project's apps and repository is allowed", () => {
    assert.deepEqual(problems(pipeline(['prod'])), []);
  });

  test("another project's app answers as not found; a missing one too", () => {
    assert.deepEqual(problems(pipeline(['theirs', 'ghost'])), [
      'stage prod: application theirs not found in project team-a',
      'stage prod: application ghost not found in project team-a',
    ]);
  });

  test('a repository outside sourceRepos, or an app reading another one, is refused', () => {
    assert.match(
      problems(pipeline(['prod'], 'https://git.example.com/other.git'))[0],
      /not permitted in project team-a/,
    );
    assert.deepEqual(problems(pipeline(['elsewhere'])), [
      "stage prod: application elsewhere reads https://git.example.com/other.git, not the pipeline's repository",
    ]);
  });

  test("a verification Job outside the project's destinations is refused", () => {
    assert.match(
      problems(pipeline(['prod'], REPO, 'kube-system')).join(),
      /verification Job: destination .*kube-system is not permitted/,
    );
  });

  test('a missing project refuses everything', () => {
    assert.deepEqual(
      pipelineProblems(pipeline(['prod']), undefined, () => undefined),
      ['project team-a does not exist'],
    );
  });
});
