import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GitWriter } from '../adapters/git/commit-edit.ts';
import { commitEditForProject, RepositoryNotPermittedError, writeRefusal } from './write-back.ts';

const teamA = { name: 'team-a', spec: { sourceRepos: ['https://git.example.com/team-a/*'] } };

test('a project writes only to repositories its sourceRepos list', () => {
  assert.equal(writeRefusal(teamA, 'https://git.example.com/team-a/config.git'), undefined);
  assert.match(
    writeRefusal(teamA, 'https://git.example.com/team-b/config.git') ?? '',
    /repository https:\/\/git\.example\.com\/team-b\/config\.git is not permitted in project team-a/,
  );
  assert.ok(writeRefusal({ name: 'empty', spec: {} }, 'https://git.example.com/team-a/x.git'));
});

test('a refused write reaches neither the credentials nor Git', async () => {
  const touched: string[] = [];
  const writer = {
    commitEdit: async () => {
      touched.push('git');
      throw new Error('must not run');
    },
  } as unknown as GitWriter;
  await assert.rejects(
    commitEditForProject(
      {
        writer,
        credentialsFor: async () => {
          touched.push('credentials');
          return undefined;
        },
      },
      teamA,
      {
        repoURL: 'https://git.example.com/team-b/config.git',
        branch: 'main',
        author: { name: 'a', email: 'a@b' },
        message: 'x',
        edit: () => ({}),
      },
    ),
    RepositoryNotPermittedError,
  );
  assert.deepEqual(touched, []);
});
