import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FreightError, freightOfImages, kustomizationImages, splitImageRef, withImages } from './freight.ts';

const KUSTOMIZATION = `# prod overlay: keep two replicas
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: hello # the app
    newName: registry.local/hello
    newTag: 1.0.0
  - name: sidecar
    newTag: "2.1"
`;

describe('freight of an overlay', () => {
  test('reads the images entries as name → reference', () => {
    assert.deepEqual(kustomizationImages(KUSTOMIZATION, 'prod/kustomization.yaml'), {
      hello: 'registry.local/hello:1.0.0',
      sidecar: 'sidecar:2.1',
    });
  });

  test('the id depends on the images only, not their order or the commit', () => {
    const a = freightOfImages({ a: 'a:1', b: 'b:2' }, 'c1');
    const b = freightOfImages({ b: 'b:2', a: 'a:1' }, 'c2');
    assert.equal(a.id, b.id);
    assert.notEqual(a.id, freightOfImages({ a: 'a:1', b: 'b:3' }, 'c1').id);
  });

  test('writing the images keeps comments and other entries, and changes only the tag', () => {
    const out = withImages(KUSTOMIZATION, { hello: 'registry.local/hello:1.0.1' }, 'k.yaml');
    assert.match(out, /# prod overlay: keep two replicas/);
    assert.match(out, /name: hello # the app/);
    assert.match(out, /newTag: 1\.0\.1/);
    assert.deepEqual(kustomizationImages(out, 'k.yaml'), {
      hello: 'registry.local/hello:1.0.1',
      sidecar: 'sidecar:2.1',
    });
  });

  test('writing the same images returns the text unchanged (no empty commit)', () => {
    const same = withImages(KUSTOMIZATION, { hello: 'registry.local/hello:1.0.0' }, 'k.yaml');
    assert.equal(same, KUSTOMIZATION);
  });

  test('an image missing from the overlay is added; a digest replaces nothing else', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const out = withImages('resources: [a.yaml]\n', { web: `web@${digest}` }, 'k.yaml');
    assert.deepEqual(kustomizationImages(out, 'k.yaml'), { web: `web@${digest}` });
  });

  test('a value that would inject YAML is refused and nothing is written', () => {
    assert.throws(
      () => withImages(KUSTOMIZATION, { hello: 'hello:1\n  evil: true' }, 'k.yaml'),
      FreightError,
    );
    assert.throws(
      () => kustomizationImages('images:\n  - name: x\n    newTag: "1 2"\n', 'k.yaml'),
      /not a valid/,
    );
  });

  test('splits references with a registry port', () => {
    assert.deepEqual(splitImageRef('localhost:5000/hello:1.0.1'), {
      newName: 'localhost:5000/hello',
      newTag: '1.0.1',
    });
    assert.deepEqual(splitImageRef('localhost:5000/hello'), { newName: 'localhost:5000/hello' });
  });
});
