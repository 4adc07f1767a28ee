import { builtinHealth, type HealthAssessor } from '../../core/health/assessor.ts';
import { aggregateHealth, type HealthResult } from '../../core/health/index.ts';
import type { ApplicationStatus, ResourceStatus } from '../../core/model/application-status.ts';
import type { SyncOperationState } from '../../core/sync/index.ts';
import { recordedUids, uidToRecord } from '../../core/sync/inventory.ts';
import type { Comparison } from '../../domain/comparison/compare.ts';

/**
 * The resource list of the status and the app's health, the worst of its objects' (pure). With
 * `owner`, each entry records the uid of the live object the app owns (see inventory.ts).
 * `assess` is the installation's health assessor (custom Lua and CEL checks, see
 * docs/health.md); the built-in checks by default.
 */
export async function resourceStatuses(
  comparison: Comparison,
  owner?: { appName: string; status: ApplicationStatus | undefined },
  assess: HealthAssessor = builtinHealth,
): Promise<ResourceStatuses> {
  const recorded = owner ? recordedUids(owner.status) : new Map<string, Set<string>>();
  const healths: HealthResult[] = [];
  const resources: ResourceStatus[] = [];
  for (const r of comparison.resources) {
    if (r.hook) continue;
    const obj = r.live ?? r.desired?.object;
    if (!obj) continue;
    const apiVersion = obj.apiVersion;
    const slash = apiVersion.indexOf('/');
    let health: HealthResult | null;
    if (!r.live) health = { status: 'Missing', message: r.message ?? 'missing from the cluster' };
    else health = await assess(r.live);
    if (health && !r.requiresPruning) healths.push(health);
    const entry: ResourceStatus = {
      group: slash < 0 ? '' : apiVersion.slice(0, slash),
      version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
      kind: obj.kind,
      name: obj.metadata.name ?? '',
      status: r.status,
    };
    if (obj.metadata.namespace) entry.namespace = obj.metadata.namespace;
    if (health)
      entry.health = health.message
        ? { status: health.status, message: health.message }
        : { status: health.status };
    if (r.requiresPruning) entry.requiresPruning = true;
    const uid = owner && uidToRecord(owner.appName, r.live, r.desired !== undefined, recorded);
    if (uid) entry.uid = uid;
    resources.push(entry);
  }
  return { resources, health: aggregateHealth(healths) };
}

export interface ResourceStatuses {
  resources: ResourceStatus[];
  health: HealthResult;
}

/** The per-resource results of a finished or running operation, for status.operationState. */
export function syncResultResources(state: SyncOperationState) {
  return state.tasks
    .filter((task) => task.status !== 'Pending' || task.message !== '')
    .map((task) => {
      const slash = task.ref.apiVersion.indexOf('/');
      const hook = task.type === 'hook' || task.type === 'delete-hook-before-creation';
      return {
        group: slash < 0 ? '' : task.ref.apiVersion.slice(0, slash),
        version: slash < 0 ? task.ref.apiVersion : task.ref.apiVersion.slice(slash + 1),
        kind: task.ref.kind,
        namespace: task.ref.namespace,
        name: task.ref.name,
        status:
          task.status === 'Failed'
            ? ('SyncFailed' as const)
            : task.status === 'Pruned' || (task.type === 'prune' && task.status === 'Succeeded')
              ? ('Pruned' as const)
              : task.status === 'Skipped' && task.type === 'prune'
                ? ('PruneSkipped' as const)
                : ('Synced' as const),
        message: task.message,
        syncPhase: task.phase,
        ...(hook ? { hookType: task.phase, hookPhase: hookPhaseOf(task.status) } : {}),
      };
    });
}

function hookPhaseOf(status: string): 'Running' | 'Succeeded' | 'Failed' {
  if (status === 'Succeeded' || status === 'Skipped') return 'Succeeded';
  if (status === 'Failed') return 'Failed';
  return 'Running';
}
