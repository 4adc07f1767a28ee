import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestCredentialMatch, credentialMatch, parseRepoLocation, repoURLProblem } from './repo-url.ts';

test('credentials go only to the same scheme, host and port, and a whole-segment path prefix', () => {
  // [credential URL, repository URL, credentials sent?]
  const table: [string, string, boolean][] = [
    ['https://git.example.com/', 'https://git.example.com/team/app.git', true],
    ['https://git.example.com', 'https://git.example.com/team/app.git', true],
    ['https://git.example.com/team', 'https://git.example.com/team/app.git', true],
    ['https://git.example.com/team/', 'https://git.example.com/team/app', true],
    ['https://git.example.com/team/app', 'https://git.example.com/team/app.git', true],
    ['https://git.example.com/team/app.git', 'https://git.example.com/team/app', true],
    ['https://GIT.example.com/', 'https://git.EXAMPLE.com/x', true],
    ['https://git.example.com:443/', 'https://git.example.com/x', true],
    ['https://git.example.com/', 'https://bob@git.example.com/x', true],
    ['git@github.com:org', 'ssh://git@github.com/org/repo.git', true],
    ['ssh://git@github.com/org/', 'git@github.com:org/repo.git', true],
    // Look-alikes: another host, another port, another scheme, a longer name.
    ['https://git.example.com/', 'https://git.example.com.evil/team/app.git', false],
    ['https://git.example.com', 'https://git.example.com.evil/team/app.git', false],
    ['https://git.example.com', 'https://git.example.com@evil/team/app.git', false],
    ['https://git.example.com/', 'https://git.example.com@evil.example/', false],
    ['https://git.example.com', 'https://git.example.com:8443/team/app.git', false],
    ['https://git.example.com:8443/', 'https://git.example.com/team/app.git', false],
    ['https://git.example.com/', 'http://git.example.com/team/app.git', false],
    ['https://git.example.com/', 'ssh://git.example.com/team/app.git', false],
    ['https://git.example.com/team', 'https://git.example.com/team-b/app.git', false],
    ['https://git.example.com/team', 'https://git.example.com/teams/app.git', false],
    ['https://git.example.com/team', 'https://git.example.com/other/app.git', false],
    ['https://git.example.com/team', 'https://git.example.com/team/../other/app.git', false],
    ['https://git.example.com/team', 'https://git.example.com/team%2F..%2Fother/app.git', false],
    ['git@github.com:org', 'git@github.com:org/../other/repo.git', false],
    ['git@github.com:org', 'git@github.com.evil:org/repo.git', false],
    ['https://127.0.0.1:4000', 'https://127.0.0.1:40001/x', false],
    ['https://127.0.0.1:4000', 'https://127.0.0.1:4000@127.0.0.1:5000/x', false],
    ['https://git.example.com/', 'https://git.example.com./x', false],
    ['https://git.example.com/', 'ext::sh -c id', false],
  ];
  for (const [credential, repo, sent] of table) {
    assert.equal(credentialMatch(credential, repo) !== undefined, sent, `${credential} → ${repo}`);
  }
});

test('the most specific credentials win', () => {
  const urls = [
    'https://git.example.com/',
    'https://git.example.com/team/app',
    'https://git.example.com/team',
  ];
  assert.equal(bestCredentialMatch(urls, 'https://git.example.com/team/app.git'), 1);
  assert.equal(bestCredentialMatch(urls, 'https://git.example.com/team/other'), 2);
  assert.equal(bestCredentialMatch(urls, 'https://git.example.com/x'), 0);
  assert.equal(bestCredentialMatch(urls, 'https://git.example.com.evil/team/app'), -1);
});

test('parseRepoLocation reads scp-like addresses as ssh and defaults ports', () => {
  assert.deepEqual(parseRepoLocation('git@github.com:org/repo.git'), {
    scheme: 'ssh',
    host: 'github.com',
    port: '22',
    segments: ['org', 'repo'],
  });
  assert.deepEqual(parseRepoLocation('git://host/x'), {
    scheme: 'git',
    host: 'host',
    port: '9418',
    segments: ['x'],
  });
  assert.equal(parseRepoLocation('gopher://host/x'), undefined);
  assert.equal(parseRepoLocation('ssh://-oProxyCommand=x/y'), undefined);
});

test('repository URLs: https, ssh, git and http; local ones only when allowed', () => {
  for (const ok of [
    'https://git.example.com/a.git',
    'http://127.0.0.1:8080/a.git',
    'ssh://git@host/a.git',
    'git@github.com:org/a.git',
    'git://host/a.git',
  ]) {
    assert.equal(repoURLProblem(ok), undefined, ok);
  }
  for (const local of ['file:///srv/repo', '/srv/repo', './repo', 'repo']) {
    assert.match(repoURLProblem(local) ?? '', /is a local path.*--allow-local-repos/, local);
    assert.equal(repoURLProblem(local, { allowLocal: true }), undefined, local);
  }
  assert.match(repoURLProblem('ext::sh -c id') ?? '', /remote helper/);
  assert.match(repoURLProblem('gopher://host/x') ?? '', /uses gopher:\/\/; use https, ssh, git or http/);
  assert.match(repoURLProblem('https://') ?? '', /not a valid Git URL/);
});
