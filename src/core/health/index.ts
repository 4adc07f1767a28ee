import { groupKindOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import { apiServiceHealth } from './apiservice.ts';
import { applicationHealth } from './application.ts';
import { certificateHealth } from './certificate.ts';
import { cnpgClusterHealth } from './cnpg-cluster.ts';
import { customResourceDefinitionHealth } from './crd.ts';
import { cronJobHealth } from './cronjob.ts';
import { crossplaneClaimHealth, isCrossplaneClaim } from './crossplane-claim.ts';
import { daemonSetHealth } from './daemonset.ts';
import { deploymentHealth } from './deployment.ts';
import { externalSecretHealth } from './external-secret.ts';
import { numberAt, stringAt } from './fields.ts';
import { fluxSourceHealth, fluxSourceKinds } from './flux-source.ts';
import { genericHealth } from './generic.ts';
import { horizontalPodAutoscalerHealth } from './hpa.ts';
import { ingressHealth } from './ingress.ts';
import { jobHealth } from './job.ts';
import { namespaceHealth } from './namespace.ts';
import { podHealth } from './pod.ts';
import { persistentVolumeClaimHealth } from './pvc.ts';
import { replicaSetHealth } from './replicaset.ts';
import { rolloutHealth } from './rollout.ts';
import { scaledObjectHealth } from './scaled-object.ts';
import { serviceHealth } from './service.ts';
import { statefulSetHealth } from './statefulset.ts';
import { type HealthResult, progressing, unknown } from './status.ts';

export { aggregateHealth, healthOrder, isWorse } from './aggregate.ts';
export { genericHealth } from './generic.ts';
export * from './status.ts';

export type HealthCheck = (obj: KubeObject) => HealthResult;

interface KindCheck {
  check: HealthCheck;
  /**
   * The kind's controller always writes status.observedGeneration, so its absence means the
   * controller has not looked at the object yet. Other kinds are compared only when they report it.
   */
  observesGeneration: boolean;
}

const workload = (check: HealthCheck): KindCheck => ({ check, observesGeneration: true });
const plain = (check: HealthCheck): KindCheck => ({ check, observesGeneration: false });

/** Keyed by `group/kind`; the old `extensions` group still serves these kinds on some clusters. */
const checks = new Map<string, KindCheck>([
  ['apps/Deployment', workload(deploymentHealth)],
  ['extensions/Deployment', workload(deploymentHealth)],
  ['apps/StatefulSet', workload(statefulSetHealth)],
  ['apps/DaemonSet', workload(daemonSetHealth)],
  ['extensions/DaemonSet', workload(daemonSetHealth)],
  ['apps/ReplicaSet', workload(replicaSetHealth)],
  ['extensions/ReplicaSet', workload(replicaSetHealth)],
  ['/Pod', plain(podHealth)],
  ['batch/Job', plain(jobHealth)],
  ['batch/CronJob', plain(cronJobHealth)],
  ['/Service', plain(serviceHealth)],
  ['networking.k8s.io/Ingress', plain(ingressHealth)],
  ['extensions/Ingress', plain(ingressHealth)],
  ['/PersistentVolumeClaim', plain(persistentVolumeClaimHealth)],
  ['autoscaling/HorizontalPodAutoscaler', plain(horizontalPodAutoscalerHealth)],
  ['apiregistration.k8s.io/APIService', plain(apiServiceHealth)],
  ['apiextensions.k8s.io/CustomResourceDefinition', plain(customResourceDefinitionHealth)],
  ['/Namespace', plain(namespaceHealth)],
  ['tiphys.dev/Application', plain(applicationHealth)],
  // Custom resources of projects many clusters run, checked by Tiphys's own code.
  ['cert-manager.io/Certificate', plain(certificateHealth)],
  ['argoproj.io/Rollout', plain(rolloutHealth)],
  ['keda.sh/ScaledObject', plain(scaledObjectHealth)],
  ['external-secrets.io/ExternalSecret', plain(externalSecretHealth)],
  ['postgresql.cnpg.io/Cluster', plain(cnpgClusterHealth)],
  ...fluxSourceKinds.map((kind): [string, KindCheck] => [
    `source.toolkit.fluxcd.io/${kind}`,
    plain(fluxSourceHealth),
  ]),
]);

/** Checks for kinds recognised by their shape rather than their name, tried in order. */
const shapeChecks: Array<{ matches: (obj: KubeObject) => boolean; entry: KindCheck }> = [
  { matches: isCrossplaneClaim, entry: plain(crossplaneClaimHealth) },
];

/** The `group/kind`s that have a health check. */
export const healthCheckedKinds: readonly string[] = [...checks.keys()];

/**
 * A status computed for an older spec says nothing about the current one: until the controller
 * has observed the latest generation, the object is Progressing whatever its status says.
 */
function unobservedGeneration(obj: KubeObject, observesGeneration: boolean): HealthResult | null {
  const generation = obj.metadata.generation;
  if (typeof generation !== 'number') return null;
  const observed = numberAt(obj, 'status', 'observedGeneration');
  if (observed === undefined && !observesGeneration) return null;
  if (observed !== undefined && observed >= generation) return null;
  const kind = obj.kind.toLowerCase();
  return progressing(
    `Waiting for rollout to finish: observed ${kind} generation ${observed ?? 'none'} is older than desired generation ${generation}`,
  );
}

/**
 * The health of one live object: its kind's own check, else a check for its shape (Crossplane
 * claims), else the generic check of its status conditions (generic.ts). null when none of
 * them has anything to say (a ConfigMap, a custom resource without status). Callers treat null
 * as Healthy (aggregateHealth does), the way Argo CD treats a ConfigMap: existing is enough.
 *
 * An object being deleted is Progressing whatever its kind, as in Argo CD: it is on its way
 * out, held by finalizers. A Suspended result stands even with an unobserved generation: pausing
 * is what the user asked for, and it is what the object does.
 */
export function assessHealth(obj: KubeObject): HealthResult | null {
  if (stringAt(obj, 'metadata', 'deletionTimestamp') !== undefined) return progressing('Pending deletion');
  const entry = checks.get(groupKindOf(obj)) ?? shapeChecks.find((shape) => shape.matches(obj))?.entry;
  if (entry === undefined) return guarded(genericHealth, obj);
  const result = guarded(entry.check, obj);
  if (result === null || result.status === 'Suspended' || result.status === 'Unknown') return result;
  return unobservedGeneration(obj, entry.observesGeneration) ?? result;
}

/** The checks read defensively; this keeps one bug in one check from failing a whole reconcile. */
function guarded(check: (obj: KubeObject) => HealthResult | null, obj: KubeObject): HealthResult | null {
  try {
    return check(obj);
  } catch (error) {
    return unknown(`Health check failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
