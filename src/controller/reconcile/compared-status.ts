// The status a reconcile that compared writes: sync (with the revision the cluster reflects),
// resources with their health, the app's health, conditions, the operation and its history.
import type { ResolvedApplication } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';
import { comparedToOf } from '../../core/model/compared-to.ts';
import type { AppComparison, DesiredState } from '../../domain/comparison/comparison-service.ts';
import type { OperationOutcome } from './operation-step.ts';
import type { ResourceStatuses } from './resource-status.ts';

/** The status of a reconcile that compared: sync, resources with health, conditions, operation. */
export function comparedStatus(
  app: ResolvedApplication,
  target: DesiredState,
  compared: AppComparison,
  assessed: ResourceStatuses,
  conditions: Condition[],
  operation: OperationOutcome,
): Partial<ApplicationStatus> {
  const { comparison } = compared;
  const { resources, health } = assessed;
  // The revision the cluster reflects: the target when in sync, else the last one synced;
  // a sync that just succeeded says which revision it synced.
  const synced =
    operation.synced?.sync ??
    ({
      status: comparison.status,
      revision:
        comparison.status === 'Synced' ? target.revision : (app.status?.sync?.revision ?? target.revision),
    } as const);
  return {
    sync: {
      ...synced,
      comparedTo: comparedToOf(app.spec),
    },
    resources,
    health: health.message ? { status: health.status, message: health.message } : { status: health.status },
    conditions,
    reconciledAt: new Date().toISOString(),
    summary: { images: imagesOf(target) },
    ...(operation.operationState ? { operationState: operation.operationState } : {}),
    ...(operation.synced ? { history: operation.synced.history } : {}),
  };
}

function imagesOf(desired: DesiredState): string[] {
  const images = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if ((key === 'containers' || key === 'initContainers') && Array.isArray(inner)) {
          for (const c of inner)
            if (typeof (c as { image?: unknown }).image === 'string')
              images.add((c as { image: string }).image);
        } else visit(inner);
      }
    }
  };
  for (const item of desired.objects) visit(item.object.spec);
  return [...images].sort();
}
