// Reads and writes of Application resources in the control cluster, with the errors a person
// reads (`application "x" not found in namespace tiphys`) rather than the API server's wording,
// and the read-compute-write loop every change of an existing Application goes through.
import { setTimeout as sleep } from 'node:timers/promises';
import { apiStatus, MERGE_PATCH, tiphysPath } from '../adapters/control-plane/paths.ts';
import type { Application } from '../core/model/application.ts';
import type { ControlPlane } from './control-plane.ts';
import { ApplicationNotFoundError, ConflictError } from './errors.ts';

const PLURAL = 'applications';

/** A 404 on the object, not on the collection (a missing CRD says "could not find the requested"). */
function isMissingObject(error: unknown): boolean {
  return apiStatus(error) === 404 && !/could not find the requested/.test(String(error));
}

export async function getApplication(cp: ControlPlane, name: string): Promise<Application> {
  try {
    return await cp.rest.request<Application>('GET', tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (isMissingObject(error)) throw new ApplicationNotFoundError(name, cp.namespace);
    throw error;
  }
}

export async function listApplications(cp: ControlPlane, labelSelector?: string): Promise<Application[]> {
  const list = await cp.rest.request<{ items: Application[] }>('GET', tiphysPath(cp.namespace, PLURAL), {
    query: { labelSelector },
  });
  return list.items;
}

/**
 * Creates the Application as it is. A door that serves tenants (the API server) first calls
 * admitApplication; a kubeconfig holder is the cluster's admin, checked by the controller only.
 */
export async function createApplication(cp: ControlPlane, app: Application): Promise<Application> {
  return cp.rest.request<Application>('POST', tiphysPath(cp.namespace, PLURAL), { body: app });
}

/** Replaces the Application (guarded by its resourceVersion); see createApplication for checks. */
export async function replaceApplication(cp: ControlPlane, app: Application): Promise<Application> {
  return cp.rest.request<Application>('PUT', tiphysPath(cp.namespace, PLURAL, app.metadata.name), {
    body: app,
  });
}

/**
 * A JSON merge patch of the Application. With `resourceVersion` the write fails with 409 when the
 * object changed since it was read, instead of silently undoing someone else's change.
 */
export async function patchApplication(
  cp: ControlPlane,
  name: string,
  patch: Record<string, unknown>,
  resourceVersion?: string,
): Promise<Application> {
  const body = resourceVersion
    ? { ...patch, metadata: { ...(patch.metadata as object | undefined), resourceVersion } }
    : patch;
  try {
    return await cp.rest.request<Application>('PATCH', tiphysPath(cp.namespace, PLURAL, name), {
      body,
      contentType: MERGE_PATCH,
    });
  } catch (error) {
    if (apiStatus(error) === 404) throw new ApplicationNotFoundError(name, cp.namespace);
    throw error;
  }
}

export async function deleteApplication(cp: ControlPlane, name: string): Promise<void> {
  try {
    await cp.rest.request('DELETE', tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404) throw new ApplicationNotFoundError(name, cp.namespace);
    throw error;
  }
}

/** Where `updateApplication` reads and writes: the control cluster, or the Tiphys API server. */
export interface ApplicationAccess {
  get(name: string): Promise<Application>;
  patch(name: string, patch: Record<string, unknown>, resourceVersion?: string): Promise<Application>;
  /** Waits before the next attempt after a conflict (a reader that lags needs a moment). */
  backoff?(attempt: number): Promise<void>;
}

/** The control cluster as an ApplicationAccess. */
export function controlPlaneApplications(cp: ControlPlane): ApplicationAccess {
  return {
    get: (name) => getApplication(cp, name),
    patch: (name, patch, resourceVersion) => patchApplication(cp, name, patch, resourceVersion),
  };
}

/** A backoff for readers that serve from an informer (the API server): 200 ms, 400 ms, … */
export const laggingReaderBackoff = (attempt: number) => sleep(200 * attempt);

const CONFLICT_RETRIES = 5;

/** A merge patch, or undefined for nothing to write. */
type Patch = Record<string, unknown> | undefined;

/**
 * Reads the Application, lets `change` compute a patch from it, and writes that patch only if
 * the Application is unchanged since the read. The controller writes status all the time and
 * every write moves resourceVersion, so a conflict is normal: read again and recompute, as
 * client-go's RetryOnConflict does. `change` may return undefined for "nothing to write", and may
 * throw to refuse (that error reaches the caller as it is); it may be async, to check the result
 * (admitApplication) before it is written.
 */
export async function updateApplication(
  target: ControlPlane | ApplicationAccess,
  name: string,
  change: (app: Application) => Patch | Promise<Patch>,
): Promise<{ before: Application; after: Application; changed: boolean }> {
  const access = 'rest' in target ? controlPlaneApplications(target) : target;
  for (let attempt = 1; ; attempt++) {
    const before = await access.get(name);
    const patch = await change(before);
    if (patch === undefined) return { before, after: before, changed: false };
    try {
      const after = await access.patch(name, patch, before.metadata.resourceVersion);
      return { before, after, changed: true };
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
      if (attempt >= CONFLICT_RETRIES) {
        throw new ConflictError(`application "${name}" kept changing while being updated; try again`);
      }
      await access.backoff?.(attempt);
    }
  }
}
