/**
 * Health of one object, as Argo CD users know it:
 * - Healthy: doing what it should.
 * - Progressing: not there yet, but expected to get there (a rollout, a pending volume).
 * - Degraded: failed, or stuck in a way that will not fix itself.
 * - Suspended: paused on purpose (a paused Deployment, a suspended CronJob).
 * - Missing: should exist but does not.
 * - Unknown: the check could not tell (an unexpected phase, a malformed status).
 */
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export const HealthStatuses = {
  Healthy: 'Healthy',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  Suspended: 'Suspended',
  Missing: 'Missing',
  Unknown: 'Unknown',
} as const satisfies Record<HealthStatus, HealthStatus>;

export interface HealthResult {
  status: HealthStatus;
  /** Why, in words a person can act on; '' when there is nothing to add. */
  message: string;
}

export function isHealthStatus(value: unknown): value is HealthStatus {
  return typeof value === 'string' && Object.hasOwn(HealthStatuses, value);
}

export const healthy = (message = ''): HealthResult => ({ status: 'Healthy', message });
export const progressing = (message: string): HealthResult => ({ status: 'Progressing', message });
export const degraded = (message: string): HealthResult => ({ status: 'Degraded', message });
export const suspended = (message: string): HealthResult => ({ status: 'Suspended', message });
export const unknown = (message: string): HealthResult => ({ status: 'Unknown', message });

/** The health of a desired object that is absent from the cluster. */
export const missingHealth: HealthResult = Object.freeze({
  status: 'Missing',
  message: 'Resource does not exist',
});
