import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateApplication } from '../model/application.ts';
import {
  artifactLayerOf,
  artifactLocationOf,
  artifactReferenceOf,
  isArtifactSource,
  pushNamesArtifact,
} from './artifact-source.ts';

const digest = `sha256:${'a'.repeat(64)}`;

test('an oci:// repoURL without chart is an artifact, parsed to the host credentials match', () => {
  assert.equal(isArtifactSource({ repoURL: 'oci://r.example.com/team/app' }), true);
  assert.equal(isArtifactSource({ repoURL: 'oci://r.example.com/charts', chart: 'web' }), false);
  assert.equal(isArtifactSource({ repoURL: 'https://git.example.com/app.git' }), false);
  assert.deepEqual(artifactLocationOf('oci://R.Example.com:5000/team/app/'), {
    host: 'r.example.com:5000',
    repository: 'team/app',
    repoURL: 'oci://r.example.com:5000/team/app',
  });
});

test('artifact URLs and revisions that could leak or confuse are refused with the reason', () => {
  const bad: [string, RegExp][] = [
    ['oci://user:pw@r.example.com/app', /holds credentials/],
    ['oci://r.example.com/app:v1', /names a tag or digest; give it in targetRevision/],
    ['oci://r.example.com/app@sha256:abc', /names a tag or digest/],
    ['oci://r.example.com/App', /not a valid registry repository/],
    ['oci://r.example.com/', /not a valid registry repository/],
    ['oci://r.example.com/a?x=1', /query or fragment/],
  ];
  for (const [url, pattern] of bad) assert.throws(() => artifactLocationOf(url), pattern, url);
  assert.deepEqual(artifactReferenceOf('v1.2.3'), { kind: 'tag', tag: 'v1.2.3' });
  assert.deepEqual(artifactReferenceOf(digest), { kind: 'digest', digest });
  assert.throws(() => artifactReferenceOf('HEAD'), /needs targetRevision: a tag or a sha256/);
  assert.throws(() => artifactReferenceOf(undefined), /needs targetRevision/);
  assert.throws(() => artifactReferenceOf('sha256:abc'), /is not a digest/);
  assert.throws(() => artifactReferenceOf('../../x'), /is not a valid tag/);
});

test('validateApplication checks an artifact source, and refuses one as a ref', () => {
  const app = (source: object) => ({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a' },
    spec: { source, destination: {} },
  });
  assert.deepEqual(
    validateApplication(app({ repoURL: 'oci://r.example.com/app', targetRevision: 'v1' })),
    [],
  );
  assert.match(
    validateApplication(app({ repoURL: 'oci://r.example.com/app' })).join('\n'),
    /spec\.source: an OCI artifact source needs targetRevision/,
  );
  const errors = validateApplication({
    ...app({}),
    spec: {
      sources: [
        { repoURL: 'oci://r.example.com/app', targetRevision: 'v1', ref: 'values' },
        { repoURL: 'oci://r.example.com/app', targetRevision: 'v1', path: 'x' },
      ],
      destination: {},
    },
  });
  assert.match(errors.join('\n'), /sources\[0\]\.ref: an OCI artifact source cannot be a ref/);
});

test('an artifact has exactly one tarball layer; images, indexes and charts are refused by name', () => {
  const layer = { mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', digest, size: 10 };
  assert.deepEqual(
    artifactLayerOf({ mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [layer] }, 'x'),
    layer,
  );
  assert.throws(() => artifactLayerOf({ manifests: [] }, 'oci://r/app:v1'), /oci:\/\/r\/app:v1 is an index/);
  assert.throws(
    () => artifactLayerOf({ layers: [layer, layer] }, 'x'),
    /exactly one layer.*it has: .*content.*content/,
  );
  assert.throws(
    () =>
      artifactLayerOf(
        { layers: [{ ...layer, mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' }] },
        'x',
      ),
    /exactly one layer.*helm\.chart/,
  );
  assert.throws(() => artifactLayerOf({ layers: [{ ...layer, digest: 'sha256:../x' }] }, 'x'), /not sha256/);
  assert.throws(() => artifactLayerOf({ layers: [{ ...layer, size: -1 }] }, 'x'), /no valid size/);
  assert.throws(
    () => artifactLayerOf({ mediaType: 'text/html', layers: [layer] }, 'x'),
    /manifest type text\/html/,
  );
});

test('a registry push names an artifact by repository, and by host when the sender says', () => {
  const location = artifactLocationOf('oci://r.example.com/team/app');
  assert.equal(pushNamesArtifact({ repository: 'team/app' }, location), true);
  assert.equal(pushNamesArtifact({ host: 'R.example.com', repository: 'team/app' }, location), true);
  assert.equal(pushNamesArtifact({ host: 'evil.example.com', repository: 'team/app' }, location), false);
  assert.equal(pushNamesArtifact({ repository: 'team/app2' }, location), false);
});
