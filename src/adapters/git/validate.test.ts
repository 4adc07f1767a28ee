import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidGitArgumentError } from './errors.ts';
import { maskSecrets } from './mask.ts';
import { parseLsRemote, pickRevision } from './refs.ts';
import { parseRepoURL, validateCommitSha, validateRevision } from './validate.ts';

test('validateRevision accepts names and ids, refuses options and odd names', () => {
  for (const ok of ['', 'HEAD', 'main', 'feature/x', 'refs/tags/v1.2.3', 'a'.repeat(40), 'abc123']) {
    assert.equal(validateRevision(ok), ok);
  }
  for (const bad of [
    '-x',
    '--output=/tmp/x',
    'a b',
    'a..b',
    'v1^{}',
    'main~1',
    'x:y',
    'a\nb',
    'x.lock',
    '/x',
  ]) {
    assert.throws(
      () => validateRevision(bad),
      (error: unknown) => {
        assert.ok(error instanceof InvalidGitArgumentError);
        assert.equal(error.terminal, true);
        return true;
      },
    );
  }
});

test('validateCommitSha wants a full id', () => {
  assert.equal(validateCommitSha('A'.repeat(40)), 'a'.repeat(40));
  assert.throws(() => validateCommitSha('abc123'), InvalidGitArgumentError);
});

test('parseRepoURL moves credentials out and keys equivalent URLs alike', () => {
  const parsed = parseRepoURL('https://bob:s%40cret@Git.Example.com/org/repo.git/');
  assert.equal(parsed.url, 'https://git.example.com/org/repo.git/');
  assert.equal(parsed.username, 'bob');
  assert.equal(parsed.password, 's@cret');
  assert.equal(parsed.key, parseRepoURL('https://git.example.com/org/repo.git').key);
  assert.notEqual(parsed.key, parseRepoURL('https://git.example.com/org/Repo.git').key);
  const local = { allowLocal: true };
  assert.equal(parseRepoURL('/srv/repo', local).key, parseRepoURL('file:///srv/repo', local).key);
  for (const path of ['/srv/repo', 'file:///srv/repo', 'repo']) {
    assert.throws(() => parseRepoURL(path), /is a local path/, path);
  }
  assert.equal(parseRepoURL('git@github.com:org/repo.git').url, 'git@github.com:org/repo.git');
  for (const bad of [
    '',
    '-u',
    'ext::sh -c id',
    'fd::3',
    'gopher://x/y',
    'https://x/a b',
    'git@-oProxyCommand=x:y',
  ]) {
    assert.throws(() => parseRepoURL(bad), InvalidGitArgumentError, bad);
  }
});

test('maskSecrets hides user-info and given values', () => {
  assert.equal(
    maskSecrets("fatal: Authentication failed for 'https://bob:hunter2@host/x' (hunter2)", ['hunter2']),
    "fatal: Authentication failed for 'https://***@host/x' (***)",
  );
});

test('pickRevision prefers branches, peels tags, knows HEAD', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  const t = 'c'.repeat(40);
  const refs = parseLsRemote(
    [
      'ref: refs/heads/main\tHEAD',
      `${a}\tHEAD`,
      `${a}\trefs/heads/main`,
      `${b}\trefs/heads/v1`,
      `${t}\trefs/tags/v1`,
      `${a}\trefs/tags/v1^{}`,
      `${b}\trefs/pull/1/head`,
      '',
    ].join('\n'),
  );
  assert.equal(pickRevision(refs, ''), a);
  assert.equal(pickRevision(refs, 'HEAD'), a);
  assert.equal(pickRevision(refs, 'v1'), b);
  assert.equal(pickRevision(refs, 'refs/tags/v1'), a);
  assert.equal(pickRevision(refs, 'tags/v1'), a);
  assert.equal(pickRevision(refs, 'pull/1/head'), b);
  assert.equal(pickRevision(refs, 'nope'), undefined);
});
