// Which objects a sync may delete, replace or adopt, and what it says when it may not. An
// Application owns an object when the object's tracking id names the app and the object itself
// (src/core/manifest/tracking.ts judges that; this module takes the judgement as data). Every
// destructive act needs ownership, or no object at all: a hook named like someone else's
// object, a Replace=true over another app's object, a prune of an object another app renders,
// would each destroy what the app was never given.
import { type ObjectRef, refOf } from './object-ref.ts';
import type { SyncOptionSet } from './options.ts';
import type { DesiredResource, KubeObject, Ownership, SyncInput } from './types.ts';

/** What the sync would do to the object; it ends the refusal's message. */
export type GuardedAct = 'delete' | 'replace' | 'adopt' | 'apply-shared';

const refusedActs: Record<GuardedAct, string> = {
  delete: 'not deleting it',
  replace: 'not replacing it',
  adopt: 'not adopting it as a hook',
  'apply-shared': 'not applying it (FailOnSharedResource=true)',
};

/** `ConfigMap team-a/x`, `ClusterRole view`: how people name an object. */
export function describeRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function whyNotOwned(ownership: Extract<Ownership, { state: 'unowned' }>): string {
  switch (ownership.reason) {
    case 'none':
      return 'it has no tracking id';
    case 'malformed':
      return `its tracking id ${ownership.trackingId} is malformed`;
    case 'other-object':
      return `its tracking id ${ownership.trackingId} names another object`;
  }
}

/**
 * Why the app may not delete, replace or adopt this object, or undefined when it may (the object
 * is the app's own, or there is none). The message names the object and its owner.
 */
export function refusalOf(
  act: GuardedAct,
  ownership: Ownership,
  ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>,
  appName: string,
): string | undefined {
  const what = describeRef(ref);
  switch (ownership.state) {
    case 'absent':
    case 'own':
      return undefined;
    case 'other-app':
      return `${what} is managed by application ${ownership.app} (tracking id ${ownership.trackingId}); ${refusedActs[act]}`;
    case 'unowned':
      return `${what} is not managed by application ${appName} (${whyNotOwned(ownership)}); ${refusedActs[act]}`;
  }
}

/**
 * FailOnSharedResource=true: an object that another Application owns, or that another
 * Application renders too, fails the sync instead of being applied. Objects nobody owns are
 * adopted as usual (Argo CD does the same).
 */
export function sharedRefusal(
  ownership: Ownership,
  sharedWith: readonly string[] | undefined,
  ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>,
  appName: string,
): string | undefined {
  if (ownership.state === 'other-app') return refusalOf('apply-shared', ownership, ref, appName);
  if (!sharedWith?.length) return undefined;
  return `${describeRef(ref)} is also rendered by application ${sharedWith.join(', ')}; ${refusedActs['apply-shared']}`;
}

/**
 * Replacing writes (Replace=true, and Validate=false, which Tiphys sends as a replace) drop what
 * others wrote, so they need the object to be the app's own or absent. FailOnSharedResource=true
 * refuses objects another app owns or renders. Ordinary applies adopt objects nobody owns.
 */
export function applyRefusal(
  input: SyncInput,
  resource: DesiredResource,
  options: SyncOptionSet,
): string | undefined {
  const ownership = input.owners?.[resource.key] ?? { state: 'absent' };
  const ref = refOf(resource.object);
  const appName = input.appName ?? '(unnamed)';
  const replaces = options.replace === true || options.validate === false;
  const refusal = replaces ? refusalOf('replace', ownership, ref, appName) : undefined;
  if (refusal || !options.failOnSharedResource) return refusal;
  return sharedRefusal(ownership, input.sharedWith?.[resource.key], ref, appName);
}

export function hookRefusal(
  input: SyncInput,
  key: string,
  object: KubeObject,
  deletesFirst: boolean,
): string | undefined {
  const ownership = input.owners?.[key] ?? { state: 'absent' };
  return refusalOf(deletesFirst ? 'delete' : 'adopt', ownership, refOf(object), input.appName ?? '(unnamed)');
}

/** The identity of the object as read just before the act, for the API server to check. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * What to do about a deletion, given the object as read just before it:
 * - done: nothing to delete (absent, or `expectedUid` says the object meant is already gone);
 * - refuse: the object is not the app's;
 * - delete: delete it, but only if it is still exactly what was read (the preconditions), so an
 *   object swapped or re-labelled in between is never deleted in its place.
 */
export type DeletionDecision =
  | { action: 'done' }
  | { action: 'refuse'; message: string }
  | { action: 'delete'; preconditions: Preconditions };

export function decideDeletion(
  ownership: Ownership,
  live: { uid?: string; resourceVersion?: string } | undefined,
  ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>,
  appName: string,
  expectedUid?: string,
): DeletionDecision {
  if (ownership.state === 'absent' || !live) return { action: 'done' };
  if (expectedUid !== undefined && live.uid !== expectedUid) return { action: 'done' };
  const refusal = refusalOf('delete', ownership, ref, appName);
  if (refusal) return { action: 'refuse', message: refusal };
  const preconditions: Preconditions = {};
  if (live.uid) preconditions.uid = live.uid;
  if (live.resourceVersion) preconditions.resourceVersion = live.resourceVersion;
  return { action: 'delete', preconditions };
}

/** How many times a guarded write reads again after the object changed under it. */
export const GUARDED_ATTEMPTS = 3;

/** The message when the object kept changing between the read and the guarded write. */
export function changingRefusal(
  ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>,
  act: GuardedAct,
): string {
  return `${describeRef(ref)} changed while it was being checked, ${GUARDED_ATTEMPTS} times; ${refusedActs[act]}`;
}
