import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setValuesImage, valuesImages } from './helm-values.ts';
import { InvalidImageReferenceError } from './reference.ts';

const values = readFileSync(join(import.meta.dirname, 'testdata/values-two-images.yaml'), 'utf8');
const digest = `sha256:${'b'.repeat(64)}`;

describe('images in Helm values files', () => {
  test('finds repository/tag maps (registry in front), not the ones in lists', () => {
    assert.deepEqual(
      valuesImages(values, 'values.yaml').map((image) => [image.path, image.name, image.tag]),
      [
        ['image', '127.0.0.1:5000/team/hello', '1.0.0'],
        ['worker.image', '127.0.0.1:5000/team/worker', '2.1.0'],
      ],
    );
  });

  test('sets the tag of the image named, only those bytes; comments and quoting kept', () => {
    const { text, matched } = setValuesImage(values, 'values.yaml', '127.0.0.1:5000/team/hello', {
      name: '127.0.0.1:5000/team/hello',
      tag: '1.0.1',
    });
    assert.equal(matched, 1);
    assert.equal(text, values.replace('tag: "1.0.0"', 'tag: "1.0.1"'));
  });

  test('a digest goes to the digest key when the map has one, else into the tag', () => {
    const worker = setValuesImage(values, 'values.yaml', '127.0.0.1:5000/team/worker', {
      name: '127.0.0.1:5000/team/worker',
      tag: '2.2.0',
      digest,
    });
    assert.equal(
      worker.text,
      values.replace('tag: 2.1.0', 'tag: 2.2.0').replace('digest: ""', `digest: "${digest}"`),
    );
    const hello = setValuesImage(values, 'values.yaml', '127.0.0.1:5000/team/hello', {
      name: '127.0.0.1:5000/team/hello',
      tag: '1.0.1',
      digest,
    });
    assert.match(hello.text, new RegExp(`tag: "1\\.0\\.1@${digest}"`));
  });

  test('an image the file does not name matches nothing and changes nothing', () => {
    const { text, matched } = setValuesImage(values, 'values.yaml', 'other.io/hello', {
      name: 'other.io/hello',
      tag: '1.0.1',
    });
    assert.equal(matched, 0);
    assert.equal(text, values);
  });

  test('attacker: a tag that would inject YAML is refused before any edit', () => {
    for (const tag of ['1.0.1\nreplicaCount: 100', '1.0.1" # x', '{a: 1}'])
      assert.throws(
        () =>
          setValuesImage(values, 'values.yaml', '127.0.0.1:5000/team/hello', {
            name: '127.0.0.1:5000/team/hello',
            tag,
          }),
        InvalidImageReferenceError,
      );
  });

  test('invalid YAML names the file', () => {
    assert.throws(
      () => valuesImages('image: [\n', 'envs/dev/values.yaml'),
      /envs\/dev\/values\.yaml: not valid YAML/,
    );
  });
});
