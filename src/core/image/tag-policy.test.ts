import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateImagePolicy } from '../model/image-policy.ts';
import { chooseTag } from './tag-policy.ts';

const tags = [
  '1.0.0',
  '1.0.1',
  'v1.2.0',
  '1.3.0-rc.1',
  '2.0.0',
  'latest',
  'sha-abc',
  '1.10.0',
  'bad tag\nx: 1',
];

function chosen(result: ReturnType<typeof chooseTag>): string {
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.tag;
}

describe('chooseTag', () => {
  test('semver: the highest version in range, v prefix accepted, pre-releases excluded by default', () => {
    assert.equal(chosen(chooseTag({ semver: { range: '^1.0.0' } }, { tags })), '1.10.0');
    assert.equal(chosen(chooseTag({ semver: { range: '>=1.0.0 <1.3.0' } }, { tags })), 'v1.2.0');
    assert.equal(chosen(chooseTag({ semver: { range: '~1.0' } }, { tags })), '1.0.1');
  });

  test('semver pre-release rules: include, sameVersion (npm), exclude', () => {
    const pre = ['1.2.0', '1.3.0-rc.1', '1.3.0-rc.2', '1.4.0-beta.1'];
    assert.equal(
      chosen(chooseTag({ semver: { range: '>=1.0.0', prerelease: 'include' } }, { tags: pre })),
      '1.4.0-beta.1',
    );
    assert.equal(
      chosen(chooseTag({ semver: { range: '>=1.3.0-rc.0', prerelease: 'sameVersion' } }, { tags: pre })),
      '1.3.0-rc.2',
    );
    assert.equal(
      chooseTag({ semver: { range: '>=1.3.0-rc.0', prerelease: 'exclude' } }, { tags: pre }).ok,
      false,
    );
    assert.equal(chosen(chooseTag({ semver: { range: '>=1.0.0' } }, { tags: pre })), '1.2.0');
  });

  test('semver: no tag in range and an invalid range are reasons, not choices', () => {
    const none = chooseTag({ semver: { range: '>=3' } }, { tags });
    assert.equal(none.ok, false);
    assert.match(
      none.ok ? '' : none.reason,
      /no tag satisfies the semver range ">=3" \(9 tags listed, 8 pass the tag filter\)/,
    );
    const invalid = chooseTag({ semver: { range: 'not a range' } }, { tags });
    assert.match(invalid.ok ? '' : invalid.reason, /not a valid semver range/);
  });

  test('the tag filter and tag validity narrow the candidates', () => {
    assert.equal(chosen(chooseTag({ semver: { range: '*' } }, { tags, filter: /^1\.0/ })), '1.0.1');
    const r = chooseTag({ alphabetical: {} }, { tags: ['ok', 'bad tag\nx: 1', '-dash'] });
    assert.equal(chosen(r), 'ok');
  });

  test('alphabetical and numerical, both orders', () => {
    const dated = ['2026-01-02', '2026-01-10', '2025-12-31'];
    assert.equal(chosen(chooseTag({ alphabetical: {} }, { tags: dated })), '2026-01-10');
    assert.equal(chosen(chooseTag({ alphabetical: { order: 'desc' } }, { tags: dated })), '2025-12-31');
    const builds = ['9', '10', '100', 'x1'];
    assert.equal(chosen(chooseTag({ numerical: {} }, { tags: builds })), '100');
    assert.equal(chosen(chooseTag({ numerical: { order: 'desc' } }, { tags: builds })), '9');
  });

  test('newest: by creation time; tags without a time are not candidates', () => {
    const createdAt = new Map([
      ['a', Date.parse('2026-01-01T00:00:00Z')],
      ['b', Date.parse('2026-03-01T00:00:00Z')],
    ]);
    assert.equal(chosen(chooseTag({ newest: {} }, { tags: ['a', 'b', 'c'], createdAt })), 'b');
    assert.equal(chooseTag({ newest: {} }, { tags: ['c'], createdAt }).ok, false);
  });

  test('digest: the named tag when it exists', () => {
    assert.equal(chosen(chooseTag({ digest: { tag: 'latest' } }, { tags })), 'latest');
    assert.equal(chooseTag({ digest: { tag: 'stable' } }, { tags }).ok, false);
  });

  test('validateImagePolicy wants exactly one rule', () => {
    const base = { apiVersion: 'tiphys.dev/v1alpha1', kind: 'ImagePolicy', metadata: { name: 'p' } };
    assert.deepEqual(
      validateImagePolicy({ ...base, spec: { imageRepositoryRef: { name: 'r' }, policy: { newest: {} } } }),
      [],
    );
    assert.ok(
      validateImagePolicy({ ...base, spec: { imageRepositoryRef: { name: 'r' }, policy: {} } }).length > 0,
    );
    assert.ok(
      validateImagePolicy({
        ...base,
        spec: { imageRepositoryRef: { name: 'r' }, policy: { newest: {}, digest: { tag: 'x' } } },
      }).length > 0,
    );
  });
});
