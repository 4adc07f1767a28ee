// The operations people perform on an Application besides editing its spec: request a sync or a
// rollback (an `operation` the controller runs), ask for a refresh, delete with or without its
// resources. The CLI (with a kubeconfig) and the API server both call these, so both refuse and
// write the same way.
import type { Application } from '../core/model/application.ts';
import { REFRESH_ANNOTATION, RESOURCES_FINALIZER } from '../core/model/application-markers.ts';
import type { Operation } from '../core/model/application-status.ts';
import { deleteApplication, patchApplication, updateApplication } from './applications.ts';
import type { ControlPlane } from './control-plane.ts';
import { ApplicationNotFoundError, NotFoundError, OperationPendingError } from './errors.ts';

export { REFRESH_ANNOTATION, RESOURCES_FINALIZER };

/** A rollback to a history ID the Application does not have. */
export class HistoryEntryNotFoundError extends NotFoundError {
  override name = 'HistoryEntryNotFoundError';
}

/** An operation already requested and not yet taken by the controller: a second would replace it. */
export function refuseWhenOperationPending(app: Application): void {
  if (app.operation) throw new OperationPendingError(app.metadata.name);
}

/** Writes the operation, unless another one is pending. */
export async function requestSync(
  cp: ControlPlane,
  name: string,
  operation: Operation,
): Promise<Application> {
  const { after } = await updateApplication(cp, name, (current) => {
    refuseWhenOperationPending(current);
    return { operation };
  });
  return after;
}

/**
 * The patch of a rollback: the operation, and in the same write the removal of automated sync,
 * so the controller never sees the rollback with the automation that would undo it.
 */
export function rollbackPatch(
  app: Application,
  id: number,
  prune: boolean,
  username: string,
): Record<string, unknown> {
  const history = app.status?.history ?? [];
  const entry = history.find((h) => h.id === id);
  if (!entry) {
    const ids = history.map((h) => h.id).join(', ');
    throw new HistoryEntryNotFoundError(
      `application "${app.metadata.name}" has no history entry ${id}${ids ? ` (IDs: ${ids})` : ' (no history yet)'}`,
    );
  }
  const operation: Operation = {
    sync: { revision: entry.revision, ...(prune ? { prune: true } : {}) },
    initiatedBy: { username },
  };
  return app.spec.syncPolicy?.automated
    ? { operation, spec: { syncPolicy: { automated: null } } }
    : { operation };
}

/** Requests a rollback to history entry `id`; returns the patch written (operation, maybe spec). */
export async function requestRollback(
  cp: ControlPlane,
  name: string,
  request: { id: number; prune: boolean; username: string },
): Promise<Record<string, unknown>> {
  let patch: Record<string, unknown> = {};
  await updateApplication(cp, name, (current) => {
    refuseWhenOperationPending(current);
    patch = rollbackPatch(current, request.id, request.prune, request.username);
    return patch;
  });
  return patch;
}

/** Asks the controller for a reconcile now, through the annotation it watches. */
export function requestRefresh(cp: ControlPlane, name: string, now = new Date()): Promise<Application> {
  return patchApplication(cp, name, {
    metadata: { annotations: { [REFRESH_ANNOTATION]: now.toISOString() } },
  });
}

/** The finalizers an Application should carry before it is deleted, or undefined to keep them. */
export function finalizersForDelete(app: Application, cascade: boolean): string[] | undefined {
  const finalizers = app.metadata.finalizers ?? [];
  const has = finalizers.includes(RESOURCES_FINALIZER);
  if (cascade && !has) return [...finalizers, RESOURCES_FINALIZER];
  if (!cascade && has) return finalizers.filter((f) => f !== RESOURCES_FINALIZER);
  return undefined;
}

/**
 * Deletes the Application: first sets the finalizer (cascade: the controller deletes its
 * resources before the Application goes) or clears it (they are left running), then deletes.
 */
export async function requestDelete(cp: ControlPlane, name: string, cascade: boolean): Promise<void> {
  let deleting = false;
  await updateApplication(cp, name, (current) => {
    deleting = Boolean((current.metadata as { deletionTimestamp?: string }).deletionTimestamp);
    const finalizers = finalizersForDelete(current, cascade);
    // The API server refuses new finalizers on an object already being deleted; it is then
    // too late to turn a plain delete into a cascading one.
    return finalizers && !(deleting && cascade) ? { metadata: { finalizers } } : undefined;
  });
  if (deleting) return;
  await deleteApplication(cp, name).catch((error: unknown) => {
    if (!(error instanceof ApplicationNotFoundError)) throw error;
  });
}
