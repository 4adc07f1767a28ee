// GET /api/v1/account/can-i answers the RBAC decision of the caller and nobody else, and refuses
// resources and actions the policy does not know.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { asAdmin, asReader, FakeAuth, testServer } from './testkit.ts';

describe('can-i', () => {
  let server: FastifyInstance;
  let auth: FakeAuth;
  before(async () => {
    auth = new FakeAuth();
    auth.identities.set('approver-token', {
      identity: { subject: 'approver', groups: [], kind: 'token' },
      rule: (resource, action, object) => resource === 'clusters' && action === 'update' && object === 'eu-1',
    });
    ({ server } = await testServer({ auth }));
  });
  after(() => server.close());

  const canI = async (headers: Record<string, string>, query: string) => {
    const response = await server.inject({ method: 'GET', url: `/api/v1/account/can-i?${query}`, headers });
    return { status: response.statusCode, body: response.json() as { allowed?: boolean; error?: string } };
  };

  test('each caller gets its own decision', async () => {
    const approve = 'resource=clusters&action=update&object=eu-1';
    assert.deepEqual(await canI(asAdmin, approve), { status: 200, body: { allowed: true } });
    assert.deepEqual(await canI(asReader, approve), { status: 200, body: { allowed: false } });
    assert.deepEqual(await canI({}, approve), { status: 200, body: { allowed: false } });
    const approver = { authorization: 'Bearer approver-token' };
    assert.deepEqual(await canI(approver, approve), { status: 200, body: { allowed: true } });
    assert.deepEqual(await canI(approver, 'resource=clusters&action=update&object=us-1'), {
      status: 200,
      body: { allowed: false },
    });
  });

  test('an unknown resource or action, or no object, is a 400', async () => {
    for (const query of [
      'resource=secrets&action=get&object=x',
      'resource=clusters&action=impersonate&object=x',
      'resource=clusters&action=get',
    ]) {
      assert.equal((await canI(asAdmin, query)).status, 400, query);
    }
  });
});
