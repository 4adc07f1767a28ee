// Objects an Application shares with other Applications of the same cluster, read from their
// statuses (what each renders) and from the live objects' tracking ids (who applied last).
import { formatKey, keyOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import { ownershipOf } from '../manifest/tracking.ts';
import type { Application } from '../model/application.ts';
import { ApplicationConditionType } from '../model/application-status.ts';
import { type Condition, IN_CLUSTER } from '../model/common.ts';
import { type Claim, type SharedObject, sharedResourceMessage } from './sharing.ts';

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

const deleting = (app: Application) =>
  Boolean((app.metadata as { deletionTimestamp?: string }).deletionTimestamp);
const NOTHING: ReadonlySet<string> = new Set();

/**
 * Which apps render each key, per cluster, kept in step with the list of apps handed in: only
 * the apps whose object changed since the last list are indexed again (a store hands out a new
 * object on every change). Asking every other app of the cluster instead cost each reconcile as
 * much as there are apps (measured: 3 ms a reconcile at 1,000 apps, seconds of CPU in all).
 */
class ClaimIndex {
  private readonly indexed = new Map<
    string,
    { app: Application; cluster: string; keys: ReadonlySet<string>; pass: number }
  >();
  /** Which sync saw each app last: those an older one saw are no longer listed. */
  private pass = 0;
  private readonly renderers = new Map<string, Set<string>>();
  private last: readonly Application[] | undefined;

  sync(apps: readonly Application[]): void {
    if (apps === this.last) return;
    this.last = apps;
    const pass = ++this.pass;
    for (const app of apps) {
      const name = app.metadata.name ?? '';
      const before = this.indexed.get(name);
      if (before?.app === app) {
        before.pass = pass;
        continue;
      }
      if (before) this.unindex(name, before.cluster, before.keys);
      const keys = deleting(app) ? NOTHING : keysRenderedBy(app);
      const entry = { app, cluster: clusterOf(app), keys, pass };
      this.indexed.set(name, entry);
      for (const key of keys) {
        const id = `${entry.cluster}\u0000${key}`;
        let names = this.renderers.get(id);
        if (!names) {
          names = new Set();
          this.renderers.set(id, names);
        }
        names.add(name);
      }
    }
    // Names are unique in a list of apps: as many indexed as listed means none was removed.
    if (this.indexed.size === apps.length) return;
    for (const [name, entry] of this.indexed) {
      if (entry.pass === pass) continue;
      this.unindex(name, entry.cluster, entry.keys);
      this.indexed.delete(name);
    }
  }

  private unindex(name: string, cluster: string, keys: ReadonlySet<string>): void {
    for (const key of keys) {
      const id = `${cluster}\u0000${key}`;
      const names = this.renderers.get(id);
      names?.delete(name);
      if (names?.size === 0) this.renderers.delete(id);
    }
  }

  has(name: string): boolean {
    return this.indexed.has(name);
  }

  /** The apps (of the last list) on `cluster` that render `key`, being deleted or not. */
  renderersOf(cluster: string, key: string): ReadonlySet<string> {
    return this.renderers.get(`${cluster}\u0000${key}`) ?? NOTHING;
  }
}

const claims = new ClaimIndex();

/** For the sync: the keys of the app that other apps render, with their names. */
export function sharedKeys(
  app: Application,
  keys: Iterable<string>,
  apps: readonly Application[],
): Record<string, string[]> {
  claims.sync(apps);
  const cluster = clusterOf(app);
  const shared: Record<string, string[]> = {};
  for (const key of keys) {
    const others = [...claims.renderersOf(cluster, key)].filter((name) => name !== app.metadata.name);
    if (others.length > 0) shared[key] = others.sort();
  }
  return shared;
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
  const shared = sharedKeys(
    app,
    desired.map((item) => item.id),
    apps,
  );
  const objects: SharedObject[] = [];
  for (const item of desired) {
    const others = new Set(shared[item.id] ?? []);
    const owner = ownershipOf(item.live, name);
    if (owner.state === 'other-app' && claims.has(owner.app)) others.add(owner.app);
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
