import { keyOf, type ResourceKey, sameKey } from './key.ts';
import { annotationOf, type KubeObject } from './object.ts';

/**
 * Tiphys marks every object it applies with the Application that owns it. The id names the
 * object itself too, not only the app: Kubernetes copies annotations onto objects it derives
 * (a Deployment's onto its ReplicaSets, for instance), and such a copy must not be mistaken for
 * an object the app owns — otherwise it would be pruned.
 */
export const trackingIdAnnotation = 'tiphys.dev/tracking-id';

export interface TrackingId extends ResourceKey {
  app: string;
}

/** `<app>:<group>/<kind>:<namespace>/<name>`, the same layout as Argo CD's annotation tracking. */
export function formatTrackingId(app: string, key: ResourceKey): string {
  return `${app}:${key.group}/${key.kind}:${key.namespace}/${key.name}`;
}

/**
 * The parsed id, or null when malformed. The app name and namespace cannot hold ':' or '/' and
 * group and kind cannot hold either, so the separators are found from the left; the name may
 * hold ':' (RBAC names such as `system:controller:x`) but never '/'.
 */
export function parseTrackingId(text: string): TrackingId | null {
  const appEnd = text.indexOf(':');
  if (appEnd <= 0) return null;
  const app = text.slice(0, appEnd);
  const rest = text.slice(appEnd + 1);
  const groupEnd = rest.indexOf('/');
  if (groupEnd < 0) return null;
  const group = rest.slice(0, groupEnd);
  const afterGroup = rest.slice(groupEnd + 1);
  const kindEnd = afterGroup.indexOf(':');
  if (kindEnd <= 0) return null;
  const kind = afterGroup.slice(0, kindEnd);
  const location = afterGroup.slice(kindEnd + 1);
  const namespaceEnd = location.indexOf('/');
  if (namespaceEnd < 0) return null;
  const namespace = location.slice(0, namespaceEnd);
  const name = location.slice(namespaceEnd + 1);
  if (
    group.includes(':') ||
    kind.includes('/') ||
    namespace.includes(':') ||
    name === '' ||
    name.includes('/')
  ) {
    return null;
  }
  return { app, group, kind, namespace, name };
}

export function trackingIdOf(obj: KubeObject): TrackingId | null {
  const value = annotationOf(obj, trackingIdAnnotation);
  return value === undefined ? null : parseTrackingId(value);
}

/** True when the object carries a tracking id of this app that names the object itself. */
export function isTrackedBy(obj: KubeObject, appName: string): boolean {
  const id = trackingIdOf(obj);
  return id !== null && id.app === appName && sameKey(id, keyOf(obj));
}

/**
 * Who a live object belongs to, as far as Tiphys may act on it:
 * - absent: there is no such object;
 * - own: its tracking id names this app and this very object;
 * - other-app: its tracking id names another app and this very object;
 * - unowned: no tracking id, a malformed one, or one that names another object (a copy that
 *   Kubernetes made onto a derived object, or one written by hand on the wrong object).
 * `trackingId` is the annotation as found, for messages.
 */
export type Ownership =
  | { state: 'absent' }
  | { state: 'own'; trackingId: string }
  | { state: 'other-app'; app: string; trackingId: string }
  | { state: 'unowned'; trackingId?: string; reason: 'none' | 'malformed' | 'other-object' };

export function ownershipOf(obj: KubeObject | undefined, appName: string): Ownership {
  if (!obj) return { state: 'absent' };
  const text = annotationOf(obj, trackingIdAnnotation);
  if (text === undefined) return { state: 'unowned', reason: 'none' };
  const id = parseTrackingId(text);
  if (!id) return { state: 'unowned', trackingId: text, reason: 'malformed' };
  if (!sameKey(id, keyOf(obj))) return { state: 'unowned', trackingId: text, reason: 'other-object' };
  return id.app === appName
    ? { state: 'own', trackingId: text }
    : { state: 'other-app', app: id.app, trackingId: text };
}

/**
 * A copy of the object carrying the app's tracking id for the object's own key; call it once the
 * namespace is final (defaulted for namespaced kinds, absent for cluster-scoped ones). Only the
 * path to the annotation is copied: other fields are shared with the input, which is left as is.
 */
export function setTrackingId<T extends KubeObject>(obj: T, app: string): T {
  const annotations = {
    ...obj.metadata.annotations,
    [trackingIdAnnotation]: formatTrackingId(app, keyOf(obj)),
  };
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}
