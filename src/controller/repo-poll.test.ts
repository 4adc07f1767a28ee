import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { promisify } from 'node:util';
import { GitRepoCache } from '../adapters/git/repo-cache.ts';
import type { Application } from '../core/model/application.ts';
import { toLogger } from './log.ts';
import { pollVerdict, RepoPoll, type RepoPollDeps } from './repo-poll.ts';

const [c1, c2] = ['1'.repeat(40), '2'.repeat(40)];
const mono = 'https://git.example/mono.git';
const other = 'https://git.example/other.git';
const app = (
  name: string,
  sync: { status: string; revision?: string } | undefined,
  repoURL = mono,
  targetRevision = 'main',
) =>
  ({
    metadata: { name },
    spec: { project: 'default', source: { repoURL, path: name, targetRevision }, destination: {} },
    ...(sync ? { status: { sync } } : {}),
  }) as unknown as Application;

function deps(apps: Application[], overrides: Partial<RepoPollDeps> = {}) {
  const calls = { resolves: [] as string[], moved: [] as string[][], retried: [] as string[][] };
  const all: RepoPollDeps = {
    intervalMs: 60_000,
    apps: () => apps,
    permits: async () => true,
    resolve: async (source, revision) => {
      calls.resolves.push(`${source.repoURL}@${revision}`);
      return revision === 'main' ? c2 : c1;
    },
    moved: (names) => calls.moved.push(names),
    retry: (names) => calls.retried.push(names),
    isActive: () => true,
    log: toLogger(undefined),
    ...overrides,
  };
  return { all, calls };
}

test('pollVerdict: moved when a source of the repository resolves elsewhere; failing when not compared', () => {
  const resolved = () => c2;
  assert.equal(pollVerdict(app('a', { status: 'Synced', revision: c2 }), mono, resolved), undefined);
  assert.equal(pollVerdict(app('a', { status: 'OutOfSync', revision: c1 }), mono, resolved), 'moved');
  assert.equal(
    pollVerdict(app('a', { status: 'Synced', revision: c2 }), mono, () => undefined),
    'moved',
  );
  assert.equal(pollVerdict(app('a', { status: 'Unknown', revision: c2 }), mono, resolved), 'failing');
  assert.equal(pollVerdict(app('a', undefined), mono, resolved), 'failing');
  const two = {
    metadata: { name: 'two' },
    spec: {
      sources: [
        { repoURL: mono, path: 'a', targetRevision: 'main' },
        { repoURL: other, path: 'b', targetRevision: 'main' },
      ],
    },
    status: { sync: { status: 'Synced', revision: `${c2};${c1}` } },
  } as unknown as Application;
  // Only this repository's source counts: the other repository's poll looks at its own.
  assert.equal(pollVerdict(two, mono, resolved), undefined);
  assert.equal(pollVerdict(two, other, resolved), 'moved');
});

test('a poll resolves each revision once and queues only the apps that moved or failed', async () => {
  const apps = [
    app('at-head', { status: 'Synced', revision: c2 }),
    app('behind', { status: 'Synced', revision: c1 }),
    app('broken', { status: 'Unknown', revision: c2 }),
    app('pinned', { status: 'Synced', revision: c1 }, mono, 'v1'),
    app('elsewhere', { status: 'Synced', revision: c1 }, other),
  ];
  const { all, calls } = deps(apps);
  const poll = new RepoPoll(all);
  assert.deepEqual(await poll.poll(mono), { moved: ['behind'], failing: ['broken'] });
  assert.deepEqual(calls.resolves.sort(), [`${mono}@main`, `${mono}@v1`]);
  assert.deepEqual(calls.moved, [['behind']]);
  assert.deepEqual(calls.retried, [['broken']]);
});

test('a repository no app of it may read is never asked; its apps are retried to say why', async () => {
  const apps = [app('refused', { status: 'Unknown', revision: c1 }, other)];
  const { all, calls } = deps(apps, { permits: async () => false });
  const poll = new RepoPoll(all);
  assert.deepEqual(await poll.poll(other), { moved: [], failing: ['refused'] });
  assert.deepEqual(calls.resolves, [], 'the refused repository was contacted');
});

test('an app whose project check throws at once is retried; the other apps are still polled', async () => {
  const apps = [
    app('invalid', { status: 'Unknown', revision: c1 }),
    app('behind', { status: 'Synced', revision: c1 }),
  ];
  const { all, calls } = deps(apps, {
    permits: (a) => {
      if (a.metadata.name === 'invalid') throw new Error('spec.destination is missing');
      return Promise.resolve(true);
    },
  });
  assert.deepEqual(await new RepoPoll(all).poll(mono), { moved: ['behind'], failing: ['invalid'] });
  assert.deepEqual(calls.resolves, [`${mono}@main`]);
});

test('one timer per repository, however many apps; a poll re-arms it; nothing while passive', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const apps = Array.from({ length: 50 }, (_, i) => app(`a${i}`, { status: 'Synced', revision: c2 }));
    apps.push(app('b', { status: 'Synced', revision: c1 }, other));
    let active = true;
    const { all, calls } = deps(apps, { isActive: () => active });
    const poll = new RepoPoll(all);
    for (const a of apps) poll.watch(a);
    assert.equal(poll.repositories, 2);
    mock.timers.tick(66_001); // past the longest jitter
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(poll.stats.polls, 2);
    assert.deepEqual(calls.resolves.sort(), [`${mono}@main`, `${other}@main`]);
    assert.deepEqual(calls.moved, [['b']]);
    assert.equal(poll.repositories, 2, 'both timers armed again');
    active = false;
    mock.timers.tick(66_001);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.resolves.length, 2, 'a passive replica asks nothing');
    poll.stop();
    assert.equal(poll.repositories, 0);
  } finally {
    mock.timers.reset();
  }
});

const run = promisify(execFile);
const scratch = await mkdtemp(join(tmpdir(), 'tiphys-repo-poll-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('at rest, a poll of a repository of 100 apps is one ls-remote and no fetch (real Git)', async () => {
  const remote = join(scratch, 'remote');
  const git = (...args: string[]) =>
    run('git', ['-C', remote, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
  await run('git', ['init', '--quiet', '--initial-branch=main', remote]);
  await writeFile(join(remote, 'a.yaml'), 'kind: ConfigMap\n');
  await git('add', '-A');
  await git('commit', '--quiet', '-m', 'one');
  const head = (await git('rev-parse', 'HEAD')).stdout.trim();
  const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache'), allowLocalRepos: true });
  const apps = Array.from({ length: 100 }, (_, i) =>
    app(`a${i}`, { status: 'Synced', revision: head }, remote),
  );
  const { all, calls } = deps(apps, {
    resolve: (source, revision) => cache.resolveRevision(source.repoURL, revision),
  });
  const poll = new RepoPoll(all);
  for (let round = 1; round <= 3; round++) {
    assert.deepEqual(await poll.poll(remote), { moved: [], failing: [] });
    assert.equal(cache.stats.lsRemotes, round);
  }
  assert.equal(cache.stats.fetches, 0);
  await writeFile(join(remote, 'a.yaml'), 'kind: ConfigMap\nmetadata: {name: x}\n');
  await git('commit', '--quiet', '-am', 'two');
  const { moved } = await poll.poll(remote);
  assert.equal(moved.length, 100, 'every app of the moved branch is handed to the triage');
  assert.equal(cache.stats.lsRemotes, 4);
  assert.equal(cache.stats.fetches, 0, 'polling lists; the triage and the reconciles fetch');
  assert.equal(calls.retried.length, 0);
});
