// The writes that can destroy what someone else made (deleting, replacing, adopting an existing
// object as a hook) act only on objects the app owns, judged on the object read just before the
// write, and the write is pinned to what was read: a delete carries the uid and resourceVersion
// as preconditions, a replace carries the resourceVersion. An object that changes in between
// (another app re-labels it, someone deletes and re-creates it) makes the API server answer 409,
// and the check starts again from a fresh read. The plan already refused what the cache showed
// (src/core/sync/ownership.ts); this closes the window between the cache and the write.
import type { ClusterClient } from '../../adapters/kube/cluster-client.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { ownershipOf } from '../../core/manifest/tracking.ts';
import { changingRefusal, decideDeletion, GUARDED_ATTEMPTS, refusalOf } from '../../core/sync/ownership.ts';

/** The object is not the app's: the write was not made. Retrying cannot fix it. */
export class OwnershipRefusedError extends Error {
  override name = 'OwnershipRefusedError';
  readonly terminal = true;
}

const isConflict = (error: unknown) => (error as { status?: number })?.status === 409;

function refOf(obj: KubeObject) {
  return { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
}

export interface GuardedDeleteOptions {
  dryRun?: boolean;
  /** Kubernetes' spelling: Foreground, Background, Orphan. */
  propagation?: string;
  /** Delete only this incarnation: another object under the name is not the one meant. */
  expectedUid?: string;
}

/** Deletes the object if it is the app's; nothing to do when it is gone. */
export async function deleteIfOwned(
  client: ClusterClient,
  appName: string,
  target: KubeObject,
  options: GuardedDeleteOptions = {},
): Promise<void> {
  for (let attempt = 0; attempt < GUARDED_ATTEMPTS; attempt++) {
    const live = await client.read(target);
    const decision = decideDeletion(
      ownershipOf(live, appName),
      live?.metadata,
      refOf(target),
      appName,
      options.expectedUid,
    );
    if (decision.action === 'done') return;
    if (decision.action === 'refuse') throw new OwnershipRefusedError(decision.message);
    try {
      await client.delete(target, {
        dryRun: options.dryRun,
        propagation: options.propagation,
        preconditions: decision.preconditions,
      });
      return;
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  throw new OwnershipRefusedError(changingRefusal(refOf(target), 'delete'));
}

/**
 * Creates the object, or replaces it at the resourceVersion read, if it is the app's: the path
 * of Replace=true and Validate=false. A replace drops every field the object does not carry,
 * so it is never made over another app's object or one nobody gave to Tiphys.
 */
export async function replaceIfOwned(
  client: ClusterClient,
  appName: string,
  object: KubeObject,
  options: { dryRun?: boolean; validate?: boolean } = {},
): Promise<KubeObject> {
  for (let attempt = 0; attempt < GUARDED_ATTEMPTS; attempt++) {
    const live = await client.read(object);
    const refusal = refusalOf('replace', ownershipOf(live, appName), refOf(object), appName);
    if (refusal) throw new OwnershipRefusedError(refusal);
    try {
      if (!live) return await client.create(object, options);
      const body = structuredClone(object);
      body.metadata.resourceVersion = live.metadata.resourceVersion;
      return await client.replace(body, options);
    } catch (error) {
      // Created or changed since the read: judge the object as it is now.
      if (!isConflict(error)) throw error;
    }
  }
  throw new OwnershipRefusedError(changingRefusal(refOf(object), 'replace'));
}

/**
 * Creates a hook. Its name is fixed per operation, so finding it already there is normal (a
 * resumed operation, or a hook that keeps its runs) and the object is adopted, but only when it
 * is the app's: a hook named like someone else's object must not take that object's completion
 * for its own, nor have it deleted by its delete policy afterwards.
 */
export async function createOrAdoptHook(
  client: ClusterClient,
  appName: string,
  object: KubeObject,
  options: { dryRun?: boolean } = {},
): Promise<KubeObject | undefined> {
  for (let attempt = 0; attempt < GUARDED_ATTEMPTS; attempt++) {
    try {
      return await client.create(object, options);
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const existing = await client.read(object);
    if (!existing) continue; // deleted in between: create it again
    const refusal = refusalOf('adopt', ownershipOf(existing, appName), refOf(object), appName);
    if (refusal) throw new OwnershipRefusedError(refusal);
    return existing;
  }
  throw new OwnershipRefusedError(changingRefusal(refOf(object), 'adopt'));
}
