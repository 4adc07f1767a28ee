// The contents of a control-plane export (pure): every Tiphys resource and credential Secret of
// the control namespace, as the API server would take them again, and the order an import
// writes them in. Statuses are kept: an Application's status says what it synced, which objects
// it recorded (the only ones it may prune) and how far a running operation got, so a restored
// controller neither syncs again what is in sync nor runs a hook twice.
import type { KubeObject } from '../manifest/object.ts';
import { API_VERSION } from '../model/common.ts';

export const BUNDLE_FORMAT = 'tiphys.dev/backup-v1';

export interface BackupBundle {
  format: typeof BUNDLE_FORMAT;
  exportedAt: string;
  namespace: string;
  items: KubeObject[];
}

/** What is exported, in the order it is imported: credentials before what names them. */
export const EXPORTED_KINDS = [
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: API_VERSION, kind: 'AppProject', plural: 'appprojects' },
  { apiVersion: API_VERSION, kind: 'Cluster', plural: 'clusters' },
  { apiVersion: API_VERSION, kind: 'ApplicationSet', plural: 'applicationsets' },
  { apiVersion: API_VERSION, kind: 'Application', plural: 'applications' },
] as const;

const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'managedFields',
  'generation',
  'selfLink',
];

/** The object as it can be created again: what the API server assigns is left out. */
export function forExport(obj: KubeObject, apiVersion: string, kind: string): KubeObject {
  const metadata = Object.fromEntries(
    Object.entries(obj.metadata ?? {}).filter(([key]) => !SERVER_FIELDS.includes(key)),
  ) as KubeObject['metadata'];
  return { ...obj, apiVersion, kind, metadata };
}

export class BundleError extends Error {
  override name = 'BundleError';
}

/** The bundle of a decrypted file, checked; a problem names the item. */
export function parseBundle(text: string, source: string): BackupBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BundleError(`${source}: the decrypted content is not a Tiphys export`);
  }
  const bundle = value as Partial<BackupBundle>;
  if (bundle?.format !== BUNDLE_FORMAT) throw new BundleError(`${source}: not a ${BUNDLE_FORMAT} export`);
  if (!Array.isArray(bundle.items)) throw new BundleError(`${source}: items is not a list`);
  const kinds = new Set<string>(EXPORTED_KINDS.map((k) => `${k.apiVersion}/${k.kind}`));
  for (const [index, item] of bundle.items.entries()) {
    const name = item?.metadata?.name;
    if (!kinds.has(`${item?.apiVersion}/${item?.kind}`) || typeof name !== 'string' || name === '') {
      throw new BundleError(
        `${source}: item ${index} (${item?.kind ?? '?'} ${name ?? '?'}) is not a Tiphys resource or credentials Secret`,
      );
    }
  }
  return bundle as BackupBundle;
}

/** The items in import order (by EXPORTED_KINDS, then name). */
export function importOrder(items: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => EXPORTED_KINDS.findIndex((k) => k.kind === o.kind);
  return [...items].sort(
    (a, b) => rank(a) - rank(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}
