// Objects that several Applications render. A tracking id names one app (whichever applied
// last), so it cannot say that an object is shared; the other apps' own lists of what they
// render can. A shared object is reported (SharedResourceWarning), may fail the sync when the
// app asks for it (FailOnSharedResource=true), and is never deleted on behalf of one app while
// another still renders it: not by a prune, not by a cascade deletion.
import { describeRef } from './ownership.ts';

/** Another Application's claim: the keys (`group/kind/namespace/name`) it renders. */
export interface Claim {
  app: string;
  keys: ReadonlySet<string>;
}

/** Of these keys, those other apps render too, each with the apps' names, sorted. */
export function sharedWith(keys: Iterable<string>, claims: readonly Claim[]): Record<string, string[]> {
  const shared: Record<string, string[]> = {};
  for (const key of keys) {
    const apps = claims.filter((claim) => claim.keys.has(key)).map((claim) => claim.app);
    if (apps.length > 0) shared[key] = [...new Set(apps)].sort();
  }
  return shared;
}

/** One shared object as the warning shows it. */
export interface SharedObject {
  ref: { kind: string; namespace?: string; name: string };
  /** The other apps: the one its tracking id names, those that render it too. */
  apps: readonly string[];
}

// Listed in full up to this many; the rest are counted, so the condition stays readable.
const LISTED = 10;

/** `ConfigMap team-a/x is part of applications a and b; …` (Argo CD's wording). */
export function sharedResourceMessage(appName: string, objects: readonly SharedObject[]): string {
  const sorted = [...objects].sort((a, b) => describeRef(a.ref).localeCompare(describeRef(b.ref)));
  const lines = sorted.slice(0, LISTED).map(({ ref, apps }) => {
    const all = [appName, ...apps.filter((app) => app !== appName)];
    return `${describeRef(ref)} is part of applications ${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
  });
  if (sorted.length > LISTED) lines.push(`and ${sorted.length - LISTED} more objects`);
  return lines.join('; ');
}

/**
 * What a cascade deletion of the app deletes: what it tracks (its tracking id names the app and
 * the object), that its last status lists (the set a person saw when deleting it: an object
 * annotated since, by anyone who can write that namespace, is not the app's to delete), and that
 * no other app renders.
 */
export function cascadeTargets<T extends { key: string }>(
  tracked: readonly T[],
  listed: ReadonlySet<string>,
  shared: Readonly<Record<string, readonly string[]>>,
): { targets: T[]; kept: { key: string; reason: string }[] } {
  const targets: T[] = [];
  const kept: { key: string; reason: string }[] = [];
  for (const item of tracked) {
    const sharers = shared[item.key];
    if (sharers?.length)
      kept.push({ key: item.key, reason: `application ${sharers.join(', ')} renders it too` });
    else if (!listed.has(item.key))
      kept.push({ key: item.key, reason: 'not in the status of the application' });
    else targets.push(item);
  }
  return { targets, kept };
}
