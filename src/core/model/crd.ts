// The CustomResourceDefinitions of Tiphys's resources, generated from the TypeBox schemas so the
// API server and the code can never disagree about a field.
import type { TObject } from 'typebox';
import { AppProject } from './app-project.ts';
import { Application } from './application.ts';
import { ApplicationSet } from './application-set.ts';
import { Cluster } from './cluster.ts';
import { PART_OF_LABEL, TIPHYS_GROUP, TIPHYS_VERSION } from './common.ts';
import { ImagePolicy } from './image-policy.ts';
import { ImageRepository } from './image-repository.ts';
import { ImageUpdater } from './image-updater.ts';
import { Pipeline } from './pipeline.ts';
import { type JsonSchemaProps, toStructuralSchema } from './structural.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

interface ResourceType {
  schema: TObject;
  plural: string;
  shortName: string;
  description: string;
  columns?: PrinterColumn[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const RESOURCE_TYPES: ResourceType[] = [
  {
    schema: Application,
    plural: 'applications',
    shortName: 'tapp',
    description: 'Manifests from one place in Git, kept equal to one destination cluster and namespace.',
    columns: [
      { name: 'Sync Status', type: 'string', jsonPath: '.status.sync.status' },
      { name: 'Health', type: 'string', jsonPath: '.status.health.status' },
      { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision' },
      AGE,
    ],
  },
  {
    schema: AppProject,
    plural: 'appprojects',
    shortName: 'tproj',
    description: 'What a group of Applications may deploy, from which repositories, to which destinations.',
  },
  {
    schema: Cluster,
    plural: 'clusters',
    shortName: 'tcluster',
    description: 'A Kubernetes cluster Applications can deploy to, and the Secret holding its credentials.',
    columns: [
      { name: 'Server', type: 'string', jsonPath: '.spec.server' },
      { name: 'Connection', type: 'string', jsonPath: '.status.connection.status' },
      AGE,
    ],
  },
  {
    schema: ApplicationSet,
    plural: 'applicationsets',
    shortName: 'tappset',
    description: 'Generates Applications from a template, one per cluster, directory or list entry.',
  },
  {
    schema: ImageRepository,
    plural: 'imagerepositories',
    shortName: 'timgrepo',
    description: 'An image repository of an OCI registry that Tiphys scans for tags.',
    columns: [
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
      { name: 'Tags', type: 'integer', jsonPath: '.status.lastScanResult.tagCount' },
      { name: 'Last Scan', type: 'date', jsonPath: '.status.lastScanTime' },
    ],
  },
  {
    schema: ImagePolicy,
    plural: 'imagepolicies',
    shortName: 'timgpol',
    description:
      'How to choose one tag of an ImageRepository (semver range, newest, order, digest of a tag).',
    columns: [{ name: 'Latest Image', type: 'string', jsonPath: '.status.latestImage' }, AGE],
  },
  {
    schema: ImageUpdater,
    plural: 'imageupdaters',
    shortName: 'timgupd',
    description: 'Writes the tags ImagePolicies choose to a branch of a config repository, as commits.',
    columns: [
      { name: 'Repository', type: 'string', jsonPath: '.spec.git.repoURL' },
      { name: 'Last Commit', type: 'string', jsonPath: '.status.lastCommit' },
      AGE,
    ],
  },
  {
    schema: Pipeline,
    plural: 'pipelines',
    shortName: 'tpipe',
    description: 'Stages a release is promoted through (dev, staging, prod), each a set of Applications.',
    columns: [
      { name: 'Project', type: 'string', jsonPath: '.spec.project' },
      { name: 'Layout', type: 'string', jsonPath: '.spec.layout' },
      AGE,
    ],
  },
];

/** All Tiphys CRDs, in a stable order. */
export function tiphysCrds(): CustomResourceDefinition[] {
  return RESOURCE_TYPES.map(crdFor);
}

function crdFor(type: ResourceType): CustomResourceDefinition {
  const kind = kindOf(type.schema);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${type.plural}.${TIPHYS_GROUP}`, labels: { ...PART_OF_LABEL } },
    spec: {
      group: TIPHYS_GROUP,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural: type.plural,
        singular: kind.toLowerCase(),
        shortNames: [type.shortName],
        categories: ['tiphys'],
      },
      versions: [
        {
          name: TIPHYS_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: rootSchema(type.schema, type.description) },
          subresources: { status: {} },
          ...(type.columns ? { additionalPrinterColumns: type.columns } : {}),
        },
      ],
    },
  };
}

// apiVersion and kind are literals in TypeBox (exact TypeScript types); in the CRD they stay plain
// strings, and metadata is the API server's business: a root schema may only say it is an object.
function rootSchema(schema: TObject, description: string): JsonSchemaProps {
  const { apiVersion: _a, kind: _k, metadata: _m, ...fields } = schema.properties;
  const converted = toStructuralSchema({ ...schema, properties: fields, required: requiredFields(schema) });
  return {
    description,
    type: 'object',
    ...(converted.required ? { required: converted.required } : {}),
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...converted.properties,
    },
  };
}

function requiredFields(schema: TObject): string[] {
  const managed = new Set(['apiVersion', 'kind', 'metadata']);
  return (schema.required ?? []).filter((name: string) => !managed.has(name));
}

function kindOf(schema: TObject): string {
  const kind = (schema.properties.kind as { const?: unknown }).const;
  if (typeof kind !== 'string') throw new Error('a resource schema needs a literal kind');
  return kind;
}
