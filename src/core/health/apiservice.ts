import type { KubeObject } from '../manifest/object.ts';
import { conditionOf } from './fields.ts';
import { type HealthResult, healthy, progressing } from './status.ts';

/**
 * An aggregated API is unavailable while its backing service starts, which is a normal part of
 * installing it; as in Argo CD this reads Progressing, and the backing Deployment's own health
 * shows a real failure.
 */
export function apiServiceHealth(obj: KubeObject): HealthResult {
  const available = conditionOf(obj, 'Available');
  if (available?.status === 'True') return healthy();
  if (available === undefined) return progressing('Waiting for the API service to become available');
  return progressing(available.message || available.reason || 'API service is not available');
}
