import { annotationOf, type KubeObject } from '../manifest/object.ts';
import { stringAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, suspended } from './status.ts';

/**
 * Phases in which the CloudNativePG operator has stopped reconciling until a person acts.
 * The phase is an English sentence that has changed between releases, so these are matched
 * by their telling words rather than whole.
 */
const stuck = /unrecoverable|cannot proceed|unable to create|image catalog|missing architecture binary/i;

/** CloudNativePG Cluster (postgresql.cnpg.io): the operator's status.phase says it all. */
export function cnpgClusterHealth(obj: KubeObject): HealthResult {
  if (annotationOf(obj, 'cnpg.io/hibernation') === 'on') return suspended('Cluster is hibernated');
  const phase = stringAt(obj, 'status', 'phase');
  const reason = stringAt(obj, 'status', 'phaseReason') ?? '';
  const message = reason ? `${phase}: ${reason}` : (phase ?? '');
  if (phase === undefined || phase === '')
    return progressing('Waiting for the operator to set up the cluster');
  if (phase === 'Cluster in healthy state') return healthy(phase);
  if (stuck.test(phase)) return degraded(message);
  // A supervised primary update waits for a person on purpose.
  if (phase === 'Waiting for user action') return suspended(message);
  return progressing(message);
}
