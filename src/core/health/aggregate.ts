import type { HealthResult, HealthStatus } from './status.ts';

/**
 * From best to worst, Argo CD's order, so an app reads the same in both tools. Unknown is the
 * worst: a check that cannot tell must not let an app pass as merely Degraded, let alone
 * Healthy. Missing ranks below Degraded: something not created yet is usually on its way.
 */
export const healthOrder: readonly HealthStatus[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

export function isWorse(candidate: HealthStatus, than: HealthStatus): boolean {
  return healthOrder.indexOf(candidate) > healthOrder.indexOf(than);
}

/**
 * The worst of the results, with the message of the first result of that status. A null
 * result (a kind without a health check) cannot make the total worse: it counts as Healthy.
 * No results at all is Healthy.
 */
export function aggregateHealth(results: Iterable<HealthResult | null>): HealthResult {
  let worst: HealthResult = { status: 'Healthy', message: '' };
  for (const result of results) {
    if (result !== null && isWorse(result.status, worst.status)) worst = result;
  }
  return { status: worst.status, message: worst.message };
}
