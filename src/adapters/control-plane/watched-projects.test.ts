import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AppProject } from '../../core/model/app-project.ts';
import { type ProjectWatch, WatchedProjects } from './watched-projects.ts';

function project(name: string, sourceRepos: string[], resourceVersion = '1'): KubernetesObject {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'AppProject',
    metadata: { name, namespace: 'tiphys', resourceVersion },
    spec: { sourceRepos },
  } as KubernetesObject;
}

function fakeWatch() {
  const callbacks: (() => void)[] = [];
  const state = { watching: true, items: [] as KubernetesObject[] };
  const watch: ProjectWatch = {
    get watching() {
      return state.watching;
    },
    objects: () => state.items,
    onChange: (callback) => callbacks.push(callback),
  };
  const event = () => {
    for (const callback of callbacks) callback();
  };
  const reads: string[] = [];
  const read = async (name: string) => {
    reads.push(name);
    return project(name, ['read from the API server']) as unknown as AppProject;
  };
  return { state, watch, event, reads, read };
}

test('a project the watch holds is answered without a request', async () => {
  const { state, watch, reads, read } = fakeWatch();
  state.items = [project('team-a', ['https://git.example/a.git'])];
  const projects = new WatchedProjects(watch, read);
  const got = await projects.get('team-a');
  assert.deepEqual(got?.spec.sourceRepos, ['https://git.example/a.git']);
  assert.deepEqual(reads, []);
});

test('a project the watch does not hold (created a moment ago) is read from the API server', async () => {
  const { state, watch, reads, read } = fakeWatch();
  state.items = [project('team-a', [])];
  const got = await new WatchedProjects(watch, read).get('team-b');
  assert.deepEqual(got?.spec.sourceRepos, ['read from the API server']);
  assert.deepEqual(reads, ['team-b']);
});

test('while the watch is not listed or broken every project is read from the API server', async () => {
  const { state, watch, reads, read } = fakeWatch();
  state.items = [project('team-a', ['stale'])];
  state.watching = false;
  const got = await new WatchedProjects(watch, read).get('team-a');
  assert.deepEqual(got?.spec.sourceRepos, ['read from the API server']);
  assert.deepEqual(reads, ['team-a']);
});

test('the projects whose spec changed, were added or deleted are reported; a resync is not', () => {
  const { state, watch, event, read } = fakeWatch();
  const reported: string[][] = [];
  new WatchedProjects(watch, read).onChange((names) => reported.push(names));
  state.items = [project('a', ['x']), project('b', ['y'])];
  event();
  assert.deepEqual(reported, [['a', 'b']], 'the first list: every project is new');
  state.items = [project('a', ['x'], '2'), project('b', ['y'], '2')];
  event();
  assert.equal(reported.length, 1, 'only the resourceVersion moved: nothing to look at again');
  state.items = [project('a', ['x', 'z'], '3'), project('c', [])];
  event();
  assert.deepEqual(reported[1], ['a', 'c', 'b'], 'a changed, c added, b deleted');
  state.watching = false;
  state.items = [];
  event();
  assert.equal(reported.length, 2, 'a broken watch (an empty cache) says nothing about projects');
});
