import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsFor, type RepoCredentialEntry } from './repo-credential-store.ts';

const entries: RepoCredentialEntry[] = [
  { url: 'https://git.example.com', credentials: { password: 'host-wide' } },
  { url: 'https://git.example.com/team-a', credentials: { password: 'team-a' } },
  { url: 'git@github.com:org', credentials: { sshPrivateKey: 'org-key' } },
];

test('look-alike repository URLs get no credentials', () => {
  for (const url of [
    'https://git.example.com.evil/team-a/app.git',
    'https://git.example.com@evil/team-a/app.git',
    'https://git.example.com:8443/team-a/app.git',
    'http://git.example.com/team-a/app.git',
    'ssh://git.example.com/team-a/app.git',
    'https://evil/https://git.example.com/team-a',
    'git@github.com.evil:org/repo.git',
    'git@github.com:organisation/repo.git',
  ]) {
    assert.equal(credentialsFor(entries, url), undefined, url);
  }
});

test('the most specific matching entry wins, by whole path segments', () => {
  assert.equal(credentialsFor(entries, 'https://git.example.com/team-a/app.git')?.password, 'team-a');
  assert.equal(credentialsFor(entries, 'https://git.example.com/team-ab/app.git')?.password, 'host-wide');
  assert.equal(credentialsFor(entries, 'https://Git.Example.com:443/x')?.password, 'host-wide');
  assert.equal(credentialsFor(entries, 'ssh://git@github.com/org/repo.git')?.sshPrivateKey, 'org-key');
});
