import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError, type KubeRest } from '../adapters/kube/rest.ts';
import type { Application } from '../core/model/application.ts';
import { updateApplication } from './applications.ts';
import type { ControlPlane } from './control-plane.ts';

/** A stand-in API server: GET returns the next version; PATCH conflicts `conflicts` times. */
function fakeContext(conflicts: number) {
  const calls: { method: string; body?: unknown }[] = [];
  let version = 0;
  const rest = {
    async request(method: string, _path: string, request: { body?: unknown } = {}) {
      calls.push({ method, body: request.body });
      if (method === 'GET') {
        version++;
        return { metadata: { name: 'web', resourceVersion: String(version) }, spec: {} } as Application;
      }
      if (conflicts-- > 0) throw new KubeApiError('the object has been modified', 409, 'Conflict');
      return { metadata: { name: 'web', resourceVersion: 'new' }, spec: {} };
    },
  } as unknown as KubeRest;
  const ctx: ControlPlane = { rest, namespace: 'tiphys' };
  return { ctx, calls };
}

test('an update re-reads and recomputes after a conflict, with the version it read', async () => {
  const { ctx, calls } = fakeContext(2);
  const seen: string[] = [];
  const result = await updateApplication(ctx, 'web', (app) => {
    seen.push(app.metadata.resourceVersion ?? '');
    return { operation: { sync: {} } };
  });
  assert.deepEqual(seen, ['1', '2', '3']);
  assert.equal(result.changed, true);
  assert.deepEqual(calls.at(-1), {
    method: 'PATCH',
    body: { operation: { sync: {} }, metadata: { resourceVersion: '3' } },
  });
});

test('an update gives up after repeated conflicts, and writes nothing when nothing changes', async () => {
  await assert.rejects(
    updateApplication(fakeContext(99).ctx, 'web', () => ({ spec: {} })),
    /application "web" kept changing while being updated/,
  );
  const { ctx, calls } = fakeContext(0);
  assert.equal((await updateApplication(ctx, 'web', () => undefined)).changed, false);
  assert.deepEqual(
    calls.map((c) => c.method),
    ['GET'],
  );
});
