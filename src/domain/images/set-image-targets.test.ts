import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TreeReader } from '../../adapters/git/commit-edit.ts';
import type { ImageUpdaterSpec } from '../../core/model/image-updater.ts';
import { InvalidRequestError } from '../errors.ts';
import { setImageWrites } from './set-image-targets.ts';
import { type ChosenImage, choicesFor, computeWrites } from './targets.ts';

function tree(files: Record<string, string>): TreeReader {
  return {
    read: async (path) => files[path],
    list: async (folder) =>
      Object.keys(files).filter((path) => folder === '' || path.startsWith(`${folder}/`)),
  };
}

const IMAGE = 'reg.example.com/team/hello';
const noPolicies = async () => [];
const chart = {
  'apps/hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
  'apps/hello/values.yaml': `image:\n  repository: ${IMAGE} # CI writes the tag\n  tag: 1.0.0\n`,
  'apps/hello/values-prod.yaml': 'replicaCount: 3\n',
};
const marked = {
  'plain/deploy.yaml': `spec:
  containers:
    - image: ${IMAGE}:1.0.0 # {"$imagepolicy": "tiphys:hello"}
      env:
        - name: VERSION
          value: 1.0.0 # tiphys.dev/image-tag: hello
        - name: OTHER_TEAM
          value: 9.9.9 # {"$imagepolicy": "tiphys:team-b-hello:tag"}
`,
};

describe('tiphys image set: where it writes', () => {
  test('a Helm chart: the image map naming IMAGE in the value files', async () => {
    const writes = await setImageWrites(
      tree(chart),
      { repoURL: 'x', path: 'apps/hello' },
      { image: IMAGE, tag: '1.0.1' },
      noPolicies,
    );
    assert.deepEqual(writes, {
      'apps/hello/values.yaml': `image:\n  repository: ${IMAGE} # CI writes the tag\n  tag: 1.0.1\n`,
    });
  });

  test("a Helm source's own value files; a named values path", async () => {
    const source = {
      repoURL: 'x',
      path: 'apps/hello',
      helm: { valueFiles: ['values-prod.yaml', '$other/values.yaml'] },
    };
    await assert.rejects(
      setImageWrites(tree(chart), source, { image: IMAGE, tag: '1.0.1' }, noPolicies),
      /apps\/hello\/values-prod\.yaml: no image .* names reg\.example\.com\/team\/hello; name the field with --value-path/,
    );
    const named = await setImageWrites(
      tree(chart),
      source,
      { image: IMAGE, tag: '1.0.1', valuePath: 'app.version' },
      noPolicies,
    );
    assert.deepEqual(named, { 'apps/hello/values-prod.yaml': 'replicaCount: 3\napp:\n  version: 1.0.1\n' });
  });

  test('a value file outside the app path is refused', async () => {
    await assert.rejects(
      setImageWrites(
        tree(chart),
        { repoURL: 'x', path: 'apps/hello', helm: { valueFiles: ['../../secret.yaml'] } },
        { image: IMAGE, tag: '1' },
        noPolicies,
      ),
      InvalidRequestError,
    );
  });

  test("plain YAML: full-reference markers naming IMAGE and tag markers of the project's policies", async () => {
    const writes = await setImageWrites(
      tree(marked),
      { repoURL: 'x', path: 'plain' },
      { image: IMAGE, tag: '1.0.1' },
      async () => [{ name: 'hello', namespace: 'tiphys' }],
    );
    assert.equal(
      writes['plain/deploy.yaml'],
      marked['plain/deploy.yaml']
        .replace(`${IMAGE}:1.0.0 #`, `${IMAGE}:1.0.1 #`)
        .replace('value: 1.0.0 # tiphys', 'value: 1.0.1 # tiphys'),
    );
    // team-b-hello is not a policy of the app's project following IMAGE: its field is untouched.
    assert.match(
      writes['plain/deploy.yaml'],
      /value: 9\.9\.9 # \{"\$imagepolicy": "tiphys:team-b-hello:tag"\}/,
    );
  });

  test('nothing naming the image is a refusal, never an addition', async () => {
    await assert.rejects(
      setImageWrites(
        tree(marked),
        { repoURL: 'x', path: 'plain' },
        { image: 'reg.example.com/team/other', tag: '1' },
        noPolicies,
      ),
      /plain has no kustomization, no Helm chart, and no field marked as a setter of reg\.example\.com\/team\/other/,
    );
  });
});

describe('image updaters and other projects', () => {
  const chosen = (policy: string, project: string): ChosenImage => ({
    policy,
    project,
    namespace: 'tiphys',
    repositoryImage: IMAGE,
    value: { name: IMAGE, tag: project === 'team-a' ? '1.0.1' : '6.6.6' },
  });
  const spec: ImageUpdaterSpec = {
    project: 'team-a',
    git: { repoURL: 'x', path: 'plain' },
    updates: [
      { policy: 'hello', target: { markers: {} } },
      { policy: 'team-b-hello', target: { markers: {} } },
    ],
  };

  test("attacker: an updater naming another project's policy gets nothing of it; its marker stays", async () => {
    const all = [chosen('hello', 'team-a'), chosen('team-b-hello', 'team-b')];
    const mine = choicesFor(spec, all);
    assert.deepEqual(
      mine.map((item) => item.policy),
      ['hello'],
    );
    const writes = await computeWrites(spec, mine, tree(marked));
    assert.match(writes['plain/deploy.yaml'], /value: 1\.0\.1 # tiphys\.dev\/image-tag: hello/);
    assert.match(writes['plain/deploy.yaml'], /value: 9\.9\.9 #/);
    assert.doesNotMatch(writes['plain/deploy.yaml'], /6\.6\.6/);
  });
});
