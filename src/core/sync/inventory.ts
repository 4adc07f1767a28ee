// What an Application may delete without Git naming it: the objects it recorded as its own.
//
// A tracking id is an annotation, and anyone who can write an object can write one naming any
// app. For an object the app's Git declares that is harmless (the app applies it and so adopts
// it, like Argo CD). For an object Git does not declare (a prune, a cascade deletion), the
// annotation alone would let whoever wrote it have the app delete the object. So those
// deletions also need the object's uid in the app's own record, which only the controller
// writes (the status subresource): the uid of each live object Git declared and the app owned
// at a reconcile (status.resources[].uid), and of each object the last operation applied or
// created. An object annotated later by someone else has a uid the app never recorded.
import { hookPhasesOf } from '../manifest/annotations.ts';
import { formatKey, keyOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import { ownershipOf } from '../manifest/tracking.ts';
import type { ApplicationStatus } from '../model/application-status.ts';
import type { SyncOperationState } from './state.ts';

type Listed = { group?: string; kind: string; namespace?: string; name: string };
const keyOfListed = (r: Listed) =>
  formatKey({ group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name });

/** Every uid the app recorded, by key. */
export function recordedUids(status: ApplicationStatus | undefined): Map<string, Set<string>> {
  const recorded = new Map<string, Set<string>>();
  const add = (key: string, uid: string | undefined) => {
    if (!uid) return;
    const uids = recorded.get(key) ?? new Set<string>();
    uids.add(uid);
    recorded.set(key, uids);
  };
  for (const resource of status?.resources ?? []) add(keyOfListed(resource), resource.uid);
  const progress = status?.operationState?.progress as
    | { state?: SyncOperationState; written?: WrittenUid[] }
    | undefined;
  // A running operation's (and a record older than `written`) in its tasks; a finished one's in
  // `written`.
  for (const { key, uid } of progress?.state ? writtenUids(progress.state) : (progress?.written ?? [])) {
    add(key, uid);
  }
  return recorded;
}

/** An object an operation applied or created, by key, and the uid the API server gave it. */
export interface WrittenUid {
  key: string;
  uid: string;
}

/**
 * What a finished operation's record keeps of its tasks: the uids of the objects it applied or
 * created (those `recordedUids` counts). The rest of the state (each task's phase, wave,
 * messages) is what a restarted controller needs to resume a running operation; once it has
 * ended it is dead weight in every status write and every watch event of the app (40 % of a
 * 10-object app's status; docs/performance.md, "A fleet from a cold start").
 */
export function writtenUids(state: SyncOperationState): WrittenUid[] {
  const written: WrittenUid[] = [];
  for (const task of state.tasks ?? []) {
    if ((task.type === 'apply' || task.type === 'hook') && task.uid)
      written.push({ key: task.key, uid: task.uid });
  }
  return written;
}

/**
 * The tracked objects the app may treat as its own when Git does not name them: those it
 * recorded. Hooks are kept as tracked: their runs are found again by name or generateName,
 * which only the app's Git declares, and an operation forgets the previous one's hooks.
 */
export function recordedObjects(
  status: ApplicationStatus | undefined,
  tracked: readonly KubeObject[],
): KubeObject[] {
  const recorded = recordedUids(status);
  return tracked.filter((object) => {
    if (hookPhasesOf(object).length > 0) return true;
    const uid = object.metadata.uid;
    return uid !== undefined && (recorded.get(formatKey(keyOf(object)))?.has(uid) ?? false);
  });
}

/**
 * The uid to record for one entry of the status: the live object's, when the app owns it (its
 * tracking id names the app and the object) and either Git declares it or it was recorded
 * before. An object the app merely shares, or that someone else applied, is not recorded.
 */
export function uidToRecord(
  appName: string,
  live: KubeObject | undefined,
  declared: boolean,
  recorded: ReadonlyMap<string, ReadonlySet<string>>,
): string | undefined {
  const uid = live?.metadata.uid;
  if (!live || !uid || ownershipOf(live, appName).state !== 'own') return undefined;
  if (declared) return uid;
  return recorded.get(formatKey(keyOf(live)))?.has(uid) ? uid : undefined;
}
