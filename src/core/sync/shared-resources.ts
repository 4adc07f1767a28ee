// Objects an Application shares with other Applications of the same cluster, read from their
// statuses (what each renders) and from the live objects' tracking ids (who applied last).
import { formatKey, keyOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import { ownershipOf } from '../manifest/tracking.ts';
import type { Application } from '../model/application.ts';
import { ApplicationConditionType } from '../model/application-status.ts';
import { type Condition, IN_CLUSTER } from '../model/common.ts';
import { type Claim, type SharedObject, sharedResourceMessage, sharedWith } from './sharing.ts';

const clusterOf = (app: Application) => app.spec.destination.cluster || IN_CLUSTER;

type Listed = { group?: string; kind: string; namespace?: string; name: string };
const keyOfListed = (r: Listed) =>
  formatKey({ group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name });

// The keys each Application renders, per Application object: a store hands out a new object on
// every change, so an app's set is built once per version, not once per reconcile of every app.
const renderedKeys = new WeakMap<Application, ReadonlySet<string>>();

function keysRenderedBy(app: Application): ReadonlySet<string> {
  let keys = renderedKeys.get(app);
  if (!keys) {
    keys = new Set((app.status?.resources ?? []).filter((r) => !r.requiresPruning).map(keyOfListed));
    renderedKeys.set(app, keys);
  }
  return keys;
}

/**
 * What the other Applications on the app's cluster render, from their statuses. An app being
 * deleted claims nothing: when two apps that share an object are both deleted, the object goes.
 */
export function claimsOfOthers(app: Application, apps: readonly Application[]): Claim[] {
  const cluster = clusterOf(app);
  return apps
    .filter(
      (other) =>
        other.metadata.name !== app.metadata.name &&
        clusterOf(other) === cluster &&
        !(other.metadata as { deletionTimestamp?: string }).deletionTimestamp,
    )
    .map((other) => ({ app: other.metadata.name ?? '', keys: keysRenderedBy(other) }));
}

/** Every object the app's status lists: its resources and the hooks of its last operation. */
export function listedKeys(app: Application): Set<string> {
  const resources: Listed[] = [
    ...(app.status?.resources ?? []),
    ...(app.status?.operationState?.syncResult?.resources ?? []),
  ];
  return new Set(resources.map(keyOfListed));
}

/** For the sync: the keys of the app that other apps render, with their names. */
export function sharedKeys(
  app: Application,
  keys: Iterable<string>,
  apps: readonly Application[],
): Record<string, string[]> {
  return sharedWith(keys, claimsOfOthers(app, apps));
}

/** What the warning needs of a comparison's entry. */
interface ComparedResource {
  id: string;
  desired?: { object: KubeObject };
  live?: KubeObject;
  hook: boolean;
}

/**
 * The SharedResourceWarning of an app, or none: each desired object that another app renders
 * too, or whose tracking id names another app that exists (Argo CD's rule), is listed.
 */
export function sharedResourceConditions(
  app: Application,
  comparison: { resources: readonly ComparedResource[] },
  apps: readonly Application[],
  now: string = new Date().toISOString(),
): Condition[] {
  const name = app.metadata.name ?? '';
  const desired = comparison.resources.flatMap((r) =>
    r.desired && !r.hook ? [{ id: r.id, object: r.desired.object, live: r.live }] : [],
  );
  const existing = new Set(apps.map((other) => other.metadata.name));
  const shared = sharedKeys(
    app,
    desired.map((item) => item.id),
    apps,
  );
  const objects: SharedObject[] = [];
  for (const item of desired) {
    const others = new Set(shared[item.id] ?? []);
    const owner = ownershipOf(item.live, name);
    if (owner.state === 'other-app' && existing.has(owner.app)) others.add(owner.app);
    if (others.size === 0) continue;
    const key = keyOf(item.object);
    objects.push({
      ref: { kind: key.kind, namespace: key.namespace, name: key.name },
      apps: [...others].sort(),
    });
  }
  if (objects.length === 0) return [];
  return [
    {
      type: ApplicationConditionType.SharedResourceWarning,
      message: sharedResourceMessage(name, objects),
      lastTransitionTime: now,
    },
  ];
}
