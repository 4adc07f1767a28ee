import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FreightError } from './freight.ts';
import { valuesFreightImages, withValuesImages } from './values-freight.ts';

const dev = `# dev
replicaCount: 1
image:
  repository: reg.example.com/team/hello
  tag: 1.0.1 # moved by the image updater
`;
const prod = `# prod: more replicas, same chart
replicaCount: 5
image:
  repository: reg.example.com/team/hello
  tag: "1.0.0"
ingress:
  host: hello.example.com
`;

describe('freight of Helm values stages', () => {
  test("the images of dev's values move into prod's, nothing else changes", () => {
    const images = valuesFreightImages(dev, 'envs/dev/values.yaml');
    assert.deepEqual(images, { image: 'reg.example.com/team/hello:1.0.1' });
    const out = withValuesImages(prod, images, 'envs/prod/values.yaml');
    assert.equal(out, prod.replace('tag: "1.0.0"', 'tag: "1.0.1"'));
    assert.equal(withValuesImages(out, images, 'envs/prod/values.yaml'), out, 'no change the second time');
    assert.deepEqual(valuesFreightImages(out, 'envs/prod/values.yaml'), images);
  });

  test('a stage without the image map is refused, naming the file and path', () => {
    assert.throws(
      () =>
        withValuesImages(
          'replicaCount: 2\n',
          { image: 'reg.example.com/team/hello:1.0.1' },
          'envs/prod/values.yaml',
        ),
      (error: Error) =>
        error instanceof FreightError && /envs\/prod\/values\.yaml has no image at image/.test(error.message),
    );
  });

  test("attacker: a tag in dev's file that would inject YAML does not become freight", () => {
    const evil = 'image:\n  repository: reg.example.com/team/hello\n  tag: "1.0.1\\nreplicaCount: 100"\n';
    assert.throws(() => valuesFreightImages(evil, 'envs/dev/values.yaml'), FreightError);
    assert.throws(
      () =>
        withValuesImages(prod, { image: 'reg.example.com/team/hello:1.0.1\nreplicaCount: 100' }, 'p.yaml'),
      FreightError,
    );
  });
});
