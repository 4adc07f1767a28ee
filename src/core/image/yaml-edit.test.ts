import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMarker } from './markers.ts';
import { InvalidImageReferenceError, parseImageName, splitReference } from './reference.ts';
import { setHelmValues, setKustomizeImage, setMarkedFields } from './yaml-edit.ts';

const hello = { name: '127.0.0.1:5000/hello', tag: '1.0.1' };

describe('image references', () => {
  test('names: registry host, Docker Hub short names, refused shapes', () => {
    assert.deepEqual(parseImageName('127.0.0.1:5000/team/hello'), {
      name: '127.0.0.1:5000/team/hello',
      registry: '127.0.0.1:5000',
      repository: 'team/hello',
    });
    assert.deepEqual(parseImageName('nginx'), {
      name: 'docker.io/library/nginx',
      registry: 'registry-1.docker.io',
      repository: 'library/nginx',
    });
    for (const bad of [
      '',
      'Hello',
      'reg.io/hello:1.0',
      'reg.io/hello@sha256:00',
      'reg.io/a b',
      'reg.io/x\ny',
    ])
      assert.throws(() => parseImageName(bad), InvalidImageReferenceError, bad);
  });

  test('splitReference validates tag and digest', () => {
    assert.deepEqual(splitReference('reg.io/hello:1.0.1'), {
      name: 'reg.io/hello',
      tag: '1.0.1',
      digest: undefined,
    });
    assert.throws(() => splitReference('reg.io/hello:1.0.1\nx: y'), InvalidImageReferenceError);
  });
});

describe('setKustomizeImage', () => {
  const kustomization = `# dev overlay
resources:
  - ../../base   # the base
images:
  - name: hello # set by Tiphys
    newName: 127.0.0.1:5000/hello
    newTag: "1.0.0"
`;

  test('changes only the tag bytes, keeping comments, quotes and spacing', () => {
    const out = setKustomizeImage(kustomization, 'kustomization.yaml', 'hello', hello);
    assert.equal(out, kustomization.replace('newTag: "1.0.0"', 'newTag: "1.0.1"'));
    assert.equal(
      setKustomizeImage(out, 'kustomization.yaml', 'hello', hello),
      out,
      'unchanged when already set',
    );
  });

  test('adds a missing entry, and a digest', () => {
    const out = setKustomizeImage('resources:\n  - base\n', 'k.yaml', 'hello', {
      ...hello,
      digest: `sha256:${'a'.repeat(64)}`,
    });
    assert.match(
      out,
      /images:\n {2}- name: hello\n {4}newName: 127\.0\.0\.1:5000\/hello\n {4}newTag: 1\.0\.1\n {4}digest: sha256:a{64}\n/,
    );
  });

  test('a malicious tag cannot inject YAML', () => {
    for (const tag of ['1.0.1\nevil: true', '1.0.1 # x', '"quoted"', '1.0.1\n  - name: x', '-x']) {
      assert.throws(
        () => setKustomizeImage(kustomization, 'k.yaml', 'hello', { ...hello, tag }),
        InvalidImageReferenceError,
        JSON.stringify(tag),
      );
    }
  });

  test('invalid YAML names the file', () => {
    assert.throws(
      () => setKustomizeImage('images: [\n', 'overlays/dev/kustomization.yaml', 'hello', hello),
      /overlays\/dev\/kustomization\.yaml: not valid YAML/,
    );
  });
});

describe('setHelmValues', () => {
  test('a tag that YAML would read as a number is quoted; existing style kept', () => {
    const values = 'image:\n  repository: hello  # repo\n  tag: 1.0.0\n';
    const out = setHelmValues(values, 'values.yaml', { tagPath: 'image.tag' }, { ...hello, tag: '1.10' });
    assert.equal(out, 'image:\n  repository: hello  # repo\n  tag: "1.10"\n');
    const plain = setHelmValues(values, 'values.yaml', { tagPath: 'image.tag' }, hello);
    assert.equal(plain, 'image:\n  repository: hello  # repo\n  tag: 1.0.1\n');
  });

  test('a missing path is created', () => {
    const out = setHelmValues('replicas: 1\n', 'values.yaml', { imagePath: 'app.image' }, hello);
    assert.match(out, /app:\n {2}image: 127\.0\.0\.1:5000\/hello:1\.0\.1\n/);
  });
});

describe('setMarkedFields', () => {
  const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  template:
    spec:
      containers:
        - name: hello
          image: 127.0.0.1:5000/hello:1.0.0 # tiphys.dev/image: hello
          env:
            - name: VERSION
              # tiphys.dev/image-tag: hello
              value: '1.0.0'
        - name: sidecar
          image: other:1 # tiphys.dev/image: other
---
kind: ConfigMap
data:
  # tiphys.dev/image-tag: hello
  version: 1.0.0   # spaced
`;

  test('sets each field marked for the policy, nothing else', () => {
    const { text, marked } = setMarkedFields(
      manifest,
      'deploy.yaml',
      { name: 'hello', namespace: 'tiphys' },
      hello,
    );
    assert.equal(marked, 3);
    assert.equal(
      text,
      manifest
        .replace('hello:1.0.0 # tiphys', 'hello:1.0.1 # tiphys')
        .replace("value: '1.0.0'", "value: '1.0.1'")
        .replace('version: 1.0.0   # spaced', 'version: 1.0.1   # spaced'),
    );
  });
});

describe('Flux setter markers', () => {
  const flux = `spec:
  containers:
    - name: hello
      image: 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "tiphys:hello"}
      env:
        - name: TAG
          value: "1.0.0" # {"$imagepolicy": "tiphys:hello:tag"}
        - name: NAME
          value: old/name # {"$imagepolicy": "tiphys:hello:name"}
    - name: other-namespace
      image: 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "team-b:hello"}
    - name: another-policy
      image: 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "tiphys:hello-b"}
    - name: not-a-marker
      image: 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "tiphys:hello:digest"}
`;

  test('full reference, :tag and :name are set; only the named namespace and policy', () => {
    const { text, marked } = setMarkedFields(
      flux,
      'deploy.yaml',
      { name: 'hello', namespace: 'tiphys' },
      hello,
    );
    assert.equal(marked, 3);
    const lines = text.split('\n');
    assert.equal(lines[3], '      image: 127.0.0.1:5000/hello:1.0.1 # {"$imagepolicy": "tiphys:hello"}');
    assert.equal(lines[6], '          value: "1.0.1" # {"$imagepolicy": "tiphys:hello:tag"}');
    assert.equal(lines[8], '          value: 127.0.0.1:5000/hello # {"$imagepolicy": "tiphys:hello:name"}');
    // A marker naming the policy in another namespace, another policy, or an unknown part: untouched.
    assert.deepEqual(lines.slice(9), flux.split('\n').slice(9));
  });

  test('parseMarker reads both spellings and nothing else', () => {
    assert.deepEqual(parseMarker(' tiphys.dev/image-tag: hello'), { policy: 'hello', field: 'tag' });
    assert.deepEqual(parseMarker(' {"$imagepolicy": "ns:p"}'), {
      policy: 'p',
      namespace: 'ns',
      field: 'image',
    });
    for (const text of [
      ' {"$imagepolicy": "p"}',
      ' {"$imagepolicy": "ns:p:tag:x"}',
      ' {"$imagepolicy": 1}',
      ' tiphys.dev/image: Not_A_Name',
      ' set by tiphys.dev/image: hello',
    ])
      assert.equal(parseMarker(text), undefined, text);
  });

  test('a marked field in a block scalar or a map is an error naming the file', () => {
    assert.throws(
      () =>
        setMarkedFields(
          'x: 1\n# tiphys.dev/image: hello\na:\n  b: c\n',
          'x.yaml',
          { name: 'hello', namespace: 'tiphys' },
          hello,
        ),
      /x\.yaml: the field marked for policy hello is not a single value/,
    );
  });
});
