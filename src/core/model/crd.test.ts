import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { FreeForm } from './common.ts';
import { type CustomResourceDefinition, tiphysCrds } from './crd.ts';
import { type JsonSchemaProps, toStructuralSchema } from './structural.ts';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const JUNCTORS = ['not', 'anyOf', 'allOf', 'oneOf'];
// JSON Schema that apiextensions.k8s.io/v1 rejects, or that TypeBox adds for itself.
const FORBIDDEN = [
  '$id',
  '$schema',
  '$ref',
  'id',
  'definitions',
  '$defs',
  'dependencies',
  'patternProperties',
];
const FORBIDDEN_TOO = ['const', 'default', 'additionalItems', 'readOnly', 'writeOnly', 'xml', 'deprecated'];

/** Independent check of the structural-schema rules (k8s.io/apiextensions-apiserver/pkg/apiserver/schema). */
function assertStructural(node: JsonSchemaProps, path: string): void {
  for (const key of [...FORBIDDEN, ...FORBIDDEN_TOO]) assert.ok(!(key in node), `${path}: has ${key}`);
  for (const key of Object.keys(node)) assert.ok(!key.startsWith('~'), `${path}: has TypeBox key ${key}`);
  assert.notEqual(node.uniqueItems, true, `${path}: uniqueItems is forbidden`);
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined) assert.equal(preserve, true, `${path}: preserve-unknown-fields must be true`);
  if (!preserve && node['x-kubernetes-int-or-string'] !== true) {
    assert.ok(
      typeof node.type === 'string' && TYPES.has(node.type),
      `${path}: needs a type, has ${node.type}`,
    );
  }
  assert.notEqual(node.additionalProperties as unknown, false, `${path}: additionalProperties: false`);
  if (node.additionalProperties !== undefined) {
    assert.equal(node.properties, undefined, `${path}: both properties and additionalProperties`);
    assert.ok(!preserve, `${path}: additionalProperties with preserve-unknown-fields`);
    assertStructural(node.additionalProperties, `${path}.*`);
  }
  for (const name of node.required ?? [])
    assert.ok(node.properties?.[name], `${path}: requires unknown ${name}`);
  for (const [name, child] of Object.entries(node.properties ?? {}))
    assertStructural(child, `${path}.${name}`);
  if (node.items) assertStructural(node.items, `${path}[]`);
  if (node.type === 'array') assert.ok(node.items, `${path}: an array needs items`);
  for (const junctor of JUNCTORS) if (node[junctor]) assertJunctor(node[junctor], `${path}.${junctor}`);
}

function assertJunctor(value: unknown, path: string): void {
  for (const schema of Array.isArray(value) ? value : [value]) {
    for (const key of Object.keys(schema)) {
      assert.ok(['required', ...JUNCTORS].includes(key), `${path}: ${key} is not allowed inside a junctor`);
    }
    for (const junctor of JUNCTORS) if (schema[junctor]) assertJunctor(schema[junctor], `${path}.${junctor}`);
  }
}

const byKind = (kind: string): CustomResourceDefinition => {
  const crd = tiphysCrds().find((c) => c.spec.names.kind === kind);
  assert.ok(crd, kind);
  return crd;
};

describe('tiphysCrds', () => {
  test('every schema is structural', () => {
    for (const crd of tiphysCrds()) {
      const schema = crd.spec.versions[0].schema.openAPIV3Schema;
      assertStructural(schema, crd.metadata.name);
      // The root may say nothing about metadata beyond its type: the API server owns it.
      assert.deepEqual(schema.properties?.metadata, { type: 'object' });
    }
  });

  test('names, short names, categories and the status subresource', () => {
    const names = tiphysCrds().map((crd) => [crd.metadata.name, crd.spec.names.shortNames, crd.spec.scope]);
    assert.deepEqual(names, [
      ['applications.tiphys.dev', ['tapp'], 'Namespaced'],
      ['appprojects.tiphys.dev', ['tproj'], 'Namespaced'],
      ['clusters.tiphys.dev', ['tcluster'], 'Namespaced'],
      ['applicationsets.tiphys.dev', ['tappset'], 'Namespaced'],
      ['imagerepositories.tiphys.dev', ['timgrepo'], 'Namespaced'],
      ['imagepolicies.tiphys.dev', ['timgpol'], 'Namespaced'],
      ['imageupdaters.tiphys.dev', ['timgupd'], 'Namespaced'],
      ['pipelines.tiphys.dev', ['tpipe'], 'Namespaced'],
    ]);
    for (const crd of tiphysCrds()) {
      assert.equal(crd.spec.group, 'tiphys.dev');
      assert.deepEqual(crd.spec.names.categories, ['tiphys']);
      const [version] = crd.spec.versions;
      assert.deepEqual([version.name, version.served, version.storage], ['v1alpha1', true, true]);
      assert.deepEqual(version.subresources, { status: {} });
      assert.ok(
        version.schema.openAPIV3Schema.properties?.status,
        `${crd.metadata.name} has a status schema`,
      );
    }
  });

  test('printer columns', () => {
    const columns = (kind: string) =>
      byKind(kind).spec.versions[0].additionalPrinterColumns?.map((c) => `${c.name}=${c.jsonPath}`);
    assert.deepEqual(columns('Application'), [
      'Sync Status=.status.sync.status',
      'Health=.status.health.status',
      'Revision=.status.sync.revision',
      'Age=.metadata.creationTimestamp',
    ]);
    assert.deepEqual(columns('Cluster'), [
      'Server=.spec.server',
      'Connection=.status.connection.status',
      'Age=.metadata.creationTimestamp',
    ]);
  });

  test('free-form parts are preserved, maps are additionalProperties, enums are typed', () => {
    const app = byKind('Application').spec.versions[0].schema.openAPIV3Schema;
    const status = app.properties?.status?.properties ?? {};
    assert.deepEqual(status.operationState?.properties?.progress, {
      description: status.operationState?.properties?.progress?.description,
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    assert.deepEqual(status.sync?.properties?.status, {
      type: 'string',
      enum: ['Synced', 'OutOfSync', 'Unknown'],
    });
    const kustomize = app.properties?.spec?.properties?.source?.properties?.kustomize;
    assert.deepEqual(kustomize?.properties?.commonLabels, {
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    const appSet = byKind('ApplicationSet').spec.versions[0].schema.openAPIV3Schema;
    const template = appSet.properties?.spec?.properties?.template?.properties;
    assert.equal(template?.spec?.['x-kubernetes-preserve-unknown-fields'], true);
    const list = appSet.properties?.spec?.properties?.generators?.items?.properties?.list;
    assert.equal(list?.properties?.elements?.items?.['x-kubernetes-preserve-unknown-fields'], true);
  });

  test('the source allows at most one of directory, kustomize, helm (enforced by the API server too)', () => {
    const source =
      byKind('Application').spec.versions[0].schema.openAPIV3Schema.properties?.spec?.properties?.source;
    assert.deepEqual(source?.not, {
      anyOf: [
        { required: ['directory', 'kustomize'] },
        { required: ['directory', 'helm'] },
        { required: ['kustomize', 'helm'] },
      ],
    });
  });
});

describe('toStructuralSchema', () => {
  test('refuses what a CRD cannot express instead of emitting it', () => {
    assert.throws(
      () => toStructuralSchema(Type.Object({ x: Type.Unknown() })),
      /\(root\)\.x: a structural schema needs a type/,
    );
    assert.throws(
      () => toStructuralSchema(Type.Object({ x: Type.Union([Type.String(), Type.Integer()]) })),
      /\(root\)\.x\.anyOf\[0\]: only required/,
    );
    assert.throws(
      () => toStructuralSchema(Type.Record(Type.Integer(), Type.String())),
      /only maps with any string key/,
    );
    assert.throws(() => toStructuralSchema(Type.Object({ r: Type.Ref('Other') })), /keyword \$ref/);
  });

  test('drops TypeBox and JSON Schema keywords the API server does not take', () => {
    const schema = toStructuralSchema(
      Type.Object(
        { a: Type.String({ default: 'x', $id: 'A' }), free: FreeForm() },
        { additionalProperties: false, $schema: 'https://json-schema.org/draft/2020-12/schema' },
      ),
    );
    assert.deepEqual(schema, {
      type: 'object',
      required: ['a', 'free'],
      properties: {
        a: { type: 'string' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    });
  });
});
