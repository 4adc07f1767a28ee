// How the list of Applications changes with the events of the live stream. Pure: the store
// feeds it batches, the unit tests feed it fixtures.
import type { Application, StreamEvent } from '../api/types.ts';

export type AppMap = ReadonlyMap<string, Application>;

/** Applies events in order; returns `current` itself when nothing changed. */
export function applyEvents(current: AppMap, events: readonly StreamEvent[]): AppMap {
  if (events.length === 0) return current;
  const next = new Map(current);
  for (const event of events) {
    const name = event.application?.metadata?.name;
    if (!name) continue;
    if (event.type === 'DELETED') next.delete(name);
    else if (!isOlder(event.application, next.get(name))) next.set(name, event.application);
  }
  return next;
}

/**
 * True when `incoming` is an older copy of `known`. resourceVersion is opaque by Kubernetes'
 * rules, but etcd's are integers; comparing them keeps a stale list reply from undoing a newer
 * streamed update. Anything not numeric is taken as newer.
 */
export function isOlder(incoming: Application, known: Application | undefined): boolean {
  const a = Number(incoming.metadata.resourceVersion);
  const b = Number(known?.metadata.resourceVersion);
  return Number.isFinite(a) && Number.isFinite(b) && a < b;
}

/** Replaces the whole map with a fresh listing, keeping streamed copies newer than the listing. */
export function replaceAll(current: AppMap, listed: readonly Application[]): AppMap {
  const next = new Map<string, Application>();
  for (const app of listed) {
    const known = current.get(app.metadata.name);
    next.set(app.metadata.name, known && isOlder(app, known) ? known : app);
  }
  return next;
}

export function sortedByName(apps: AppMap): Application[] {
  return [...apps.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
