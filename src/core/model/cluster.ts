// Cluster: a Kubernetes cluster Applications can deploy to, and how to reach it.
import { type Static, Type } from 'typebox';
import { API_VERSION, Closed, ObjectMeta, StringEnum, Timestamp } from './common.ts';
import { manifestErrors } from './validate.ts';

export const CLUSTER_KIND = 'Cluster';

export const ConnectionStatusCode = {
  Successful: 'Successful',
  Failed: 'Failed',
  Unknown: 'Unknown',
} as const;
export type ConnectionStatusCode = (typeof ConnectionStatusCode)[keyof typeof ConnectionStatusCode];

/** Keys of the credentials Secret: either `kubeconfig`, or `bearerToken` + `caData` (+ `insecure`). */
export const ClusterSecretKey = {
  kubeconfig: 'kubeconfig',
  bearerToken: 'bearerToken',
  caData: 'caData',
  insecure: 'insecure',
} as const;

export const ClusterSpec = Closed({
  server: Type.String({ pattern: '^https?://', description: 'URL of the Kubernetes API server.' }),
  name: Type.Optional(Type.String({ description: 'Display name; default: the resource name.' })),
  credentialsSecret: Type.Optional(
    Closed(
      {
        name: Type.String({ minLength: 1 }),
        namespace: Type.Optional(
          Type.String({
            description:
              "Only the Cluster's own namespace (the control namespace): the controller reads no Secret elsewhere.",
          }),
        ),
      },
      {
        description:
          'Secret with either kubeconfig, or bearerToken and caData (and optionally insecure=true). Absent: the service account of the controller.',
      },
    ),
  ),
});
export type ClusterSpec = Static<typeof ClusterSpec>;

export const ClusterStatus = Type.Object({
  connection: Type.Optional(
    Type.Object({
      status: StringEnum(ConnectionStatusCode),
      message: Type.Optional(Type.String()),
      attemptedAt: Type.Optional(Timestamp()),
    }),
  ),
  serverVersion: Type.Optional(Type.String()),
  cacheInfo: Type.Optional(
    Type.Object({
      resourcesCount: Type.Optional(Type.Integer()),
      apisCount: Type.Optional(Type.Integer()),
      lastCacheSyncTime: Type.Optional(Timestamp()),
    }),
  ),
});
export type ClusterStatus = Static<typeof ClusterStatus>;

export const Cluster = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(CLUSTER_KIND),
  metadata: ObjectMeta,
  spec: ClusterSpec,
  status: Type.Optional(ClusterStatus),
});
export type Cluster = Static<typeof Cluster>;

/** Readable messages for every problem in a Cluster as written (status ignored). */
export function validateCluster(obj: unknown): string[] {
  const errors = manifestErrors(Cluster, obj);
  const cluster = obj as Partial<Cluster> | undefined;
  const secretNamespace = cluster?.spec?.credentialsSecret?.namespace;
  if (secretNamespace !== undefined && secretNamespace !== cluster?.metadata?.namespace) {
    errors.push(
      `spec.credentialsSecret.namespace: must be the Cluster's own namespace, not ${JSON.stringify(secretNamespace)}`,
    );
  }
  return errors;
}
