// The OpenAPI document covers every route of the contract (docs/api.md) with its parameters,
// bodies and error responses, and names the model schemas as components.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testServer } from './testkit.ts';

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/** Every non-auth route of docs/api.md. */
const CONTRACT = [
  'get /api/v1/applications',
  'post /api/v1/applications',
  'get /api/v1/applications/{name}',
  'put /api/v1/applications/{name}',
  'delete /api/v1/applications/{name}',
  'get /api/v1/applications/{name}/resource-tree',
  'get /api/v1/applications/{name}/manifests',
  'get /api/v1/applications/{name}/diff',
  'post /api/v1/applications/{name}/preview',
  'post /api/v1/applications/{name}/image',
  'get /api/v1/applications/{name}/events',
  'post /api/v1/applications/{name}/sync',
  'post /api/v1/applications/{name}/refresh',
  'post /api/v1/applications/{name}/rollback',
  'get /api/v1/stream/applications',
  'get /api/v1/projects',
  'post /api/v1/projects',
  'get /api/v1/projects/{name}',
  'put /api/v1/projects/{name}',
  'delete /api/v1/projects/{name}',
  'get /api/v1/projects/{name}/windows',
  'get /api/v1/clusters',
  'post /api/v1/clusters',
  'get /api/v1/clusters/{name}',
  'delete /api/v1/clusters/{name}',
  'get /api/v1/repositories',
  'post /api/v1/repositories',
  'delete /api/v1/repositories/{name}',
  'post /webhook',
  'post /api/webhook',
  'get /api/openapi.json',
  'get /healthz',
  'get /metrics',
];

describe('OpenAPI document', () => {
  let server: FastifyInstance;
  let doc: Document;
  before(async () => {
    ({ server } = await testServer());
    const response = await server.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = response.json();
  });
  after(() => server.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ id: `${method} ${path}`, path, op })),
    );

  test('is OpenAPI 3.1 and lists every route of the contract, and no UI route', () => {
    assert.equal(doc.openapi, '3.1.0');
    const documented = new Set(operations().map((o) => o.id));
    for (const route of CONTRACT) assert.ok(documented.has(route), `${route} is missing`);
    assert.ok(!Object.keys(doc.paths).some((p) => p === '/' || p.includes('*')));
  });

  test('path parameters are declared and required; query parameters keep their types', () => {
    for (const { id, path, op } of operations()) {
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        const parameter = op.parameters?.find((p) => p.name === name && p.in === 'path');
        assert.ok(parameter?.required, `${id}: path parameter ${name}`);
      }
    }
    const list = doc.paths['/api/v1/applications'].get;
    const limit = list.parameters?.find((p) => p.name === 'limit');
    assert.equal(limit?.schema.type, 'integer');
    assert.equal(limit?.required, false);
    const manifests = doc.paths['/api/v1/applications/{name}/manifests'].get;
    assert.ok(manifests.parameters?.find((p) => p.name === 'kind')?.required);
  });

  test('every operation has a unique id, success and error responses', () => {
    const ids = new Set<string>();
    for (const { id, path, op } of operations()) {
      assert.ok(!ids.has(op.operationId), `${id}: duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      assert.ok(
        Object.keys(op.responses).some((s) => s.startsWith('2')),
        `${id}: no success response`,
      );
      assert.ok(op.responses['400'], `${id}: no 400`);
      if (path.startsWith('/api/v1/')) {
        assert.ok(op.responses['401'] && op.responses['403'], `${id}: no 401/403`);
      }
      if (path.includes('{')) assert.ok(op.responses['404'], `${id}: no 404`);
    }
  });

  test('request bodies and responses refer to named component schemas', () => {
    for (const name of [
      'Application',
      'AppProject',
      'Cluster',
      'Error',
      'ApplicationBody',
      'SyncRequest',
      'ClusterCreate',
      'RepositoryCreate',
    ]) {
      assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
    }
    const create = doc.paths['/api/v1/applications'].post;
    assert.deepEqual(create.requestBody?.content['application/json'].schema, {
      $ref: '#/components/schemas/ApplicationBody',
    });
    const list = JSON.stringify(doc.components.schemas.ApplicationList);
    assert.match(list, /#\/components\/schemas\/Application"/);
    // TypeBox's own markers are not JSON Schema and must not leak into the document.
    assert.doesNotMatch(JSON.stringify(doc), /~kind|~optional/);
    // Every $ref points at a component that exists.
    for (const [, ref] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) {
      assert.ok(doc.components.schemas[ref], `dangling $ref ${ref}`);
    }
  });
});
