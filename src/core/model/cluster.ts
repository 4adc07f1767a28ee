// Cluster: a Kubernetes cluster Applications can deploy to, and how to reach it.
import { type Static, Type } from 'typebox';
import { NotificationResult } from './application-status.ts';
import { ClusterHealthStatus, ClusterRecoveryStatus } from './cluster-status.ts';
import {
  API_VERSION,
  atMostOneOf,
  Closed,
  Condition,
  ObjectMeta,
  StringEnum,
  StringMap,
  Timestamp,
} from './common.ts';
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

export const RecoveryMode = { auto: 'auto', approve: 'approve' } as const;
export type RecoveryMode = (typeof RecoveryMode)[keyof typeof RecoveryMode];

/** When an unreachable cluster counts as lost (docs/recovery.md). */
export const ClusterHealthPolicy = Closed({
  lostAfterSeconds: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Unreachable this long: the cluster is lost. Default 300.' }),
  ),
  stableAfterSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'An unreachable or lost cluster must answer without a failure this long to count as back (flapping protection). Default 60.',
    }),
  ),
});

/**
 * What to do when the cluster is lost. The action is only a name: what it runs (a command, a Job
 * template, a webhook) is configured by the administrator of the controller, never here, so
 * whoever may write a Cluster cannot make the controller run anything.
 */
export const RecoveryPolicy = Closed(
  {
    mode: StringEnum(RecoveryMode, {
      description: 'auto: act as soon as the cluster is lost; approve: wait for a person to approve.',
    }),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        description: "Name of a recovery action in the controller's --recovery-actions file.",
      }),
    ),
    failover: Type.Optional(
      Closed({
        selector: StringMap({ description: 'Labels the standby Cluster must carry (all of them).' }),
      }),
    ),
  },
  atMostOneOf('action', 'failover'),
);
export type RecoveryPolicy = Static<typeof RecoveryPolicy>;

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
  health: Type.Optional(ClusterHealthPolicy),
  recovery: Type.Optional(RecoveryPolicy),
});
export type ClusterSpec = Static<typeof ClusterSpec>;

export const ClusterStatus = Type.Object({
  connection: Type.Optional(
    Type.Object({
      status: StringEnum(ConnectionStatusCode),
      message: Type.Optional(Type.String()),
      attemptedAt: Type.Optional(Timestamp()),
      lastSuccessAt: Type.Optional(Timestamp({ description: 'The last successful contact.' })),
    }),
  ),
  applicationsCount: Type.Optional(Type.Integer({ description: 'Applications deploying to this cluster.' })),
  serverVersion: Type.Optional(Type.String()),
  cacheInfo: Type.Optional(
    Type.Object({
      resourcesCount: Type.Optional(Type.Integer()),
      apisCount: Type.Optional(Type.Integer()),
      lastCacheSyncTime: Type.Optional(Timestamp()),
    }),
  ),
  health: Type.Optional(ClusterHealthStatus),
  recovery: Type.Optional(ClusterRecoveryStatus),
  conditions: Type.Optional(Type.Array(Condition)),
  notified: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: 'The last event each cluster notification trigger notified (docs/notifications.md).',
    }),
  ),
  notifications: Type.Optional(
    Type.Array(NotificationResult, {
      description: 'The last delivery of each cluster notification trigger and destination, newest last.',
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
  const recovery = cluster?.spec?.recovery;
  if (recovery && recovery.action === undefined && recovery.failover === undefined) {
    errors.push('spec.recovery: give an action or a failover');
  }
  return errors;
}
