// Export and import of the control plane (docs/recovery.md): every Tiphys resource and credential
// Secret of the control namespace, statuses included. An import goes into a control namespace
// that has none of them yet, creates each object and then restores its status, and is done
// before the controller starts there, so the controller resumes instead of starting over.
import { secretPath, tiphysPath } from '../adapters/control-plane/paths.ts';
import {
  type BackupBundle,
  BUNDLE_FORMAT,
  EXPORTED_KINDS,
  forExport,
  importOrder,
} from '../core/backup/bundle.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import { DEFAULT_PROJECT } from '../core/model/common.ts';
import type { ControlPlane } from './control-plane.ts';
import { SECRET_TYPE_LABEL } from './credential-secrets.ts';
import { ConflictError } from './errors.ts';

function collectionPath(cp: ControlPlane, kind: (typeof EXPORTED_KINDS)[number]): string {
  return kind.kind === 'Secret' ? secretPath(cp.namespace) : tiphysPath(cp.namespace, kind.plural);
}

/**
 * `tiphys install` creates the AppProject `default` in every fresh control namespace: the bundle's
 * (the exported install's, perhaps edited since) replaces it rather than counting as a clash.
 */
function isInstalledDefaultProject(item: KubeObject): boolean {
  return item.kind === 'AppProject' && item.metadata.name === DEFAULT_PROJECT;
}

export async function exportControlPlane(cp: ControlPlane, now = new Date()): Promise<BackupBundle> {
  const items: KubeObject[] = [];
  for (const kind of EXPORTED_KINDS) {
    // Only credentials Secrets: the API server's session keys and accounts belong to that install.
    const query = kind.kind === 'Secret' ? { labelSelector: SECRET_TYPE_LABEL } : undefined;
    const list = await cp.rest.request<{ items: KubeObject[] }>('GET', collectionPath(cp, kind), { query });
    for (const item of list.items) items.push(forExport(item, kind.apiVersion, kind.kind));
  }
  return {
    format: BUNDLE_FORMAT,
    exportedAt: now.toISOString(),
    namespace: cp.namespace,
    items: importOrder(items),
  };
}

/**
 * Restores a bundle into an empty control namespace: nothing is written when any Tiphys
 * resource or credential Secret of the bundle's names already exists there.
 */
export async function importControlPlane(
  cp: ControlPlane,
  bundle: BackupBundle,
): Promise<{ created: number }> {
  const clashes: string[] = [];
  /** resourceVersion of the default AppProject `tiphys install` created, which the bundle's replaces. */
  let installedDefault: string | undefined;
  for (const item of bundle.items) {
    const kind = EXPORTED_KINDS.find((k) => k.kind === item.kind);
    if (!kind) continue;
    const existing = await cp.rest
      .request<KubeObject>(
        'GET',
        `${collectionPath(cp, kind)}/${encodeURIComponent(item.metadata.name ?? '')}`,
      )
      .catch((error: { status?: number }) => {
        if (error.status === 404) return undefined;
        throw error;
      });
    if (!existing) continue;
    if (isInstalledDefaultProject(item)) installedDefault = existing.metadata.resourceVersion;
    else clashes.push(`${item.kind} ${item.metadata.name}`);
  }
  if (clashes.length > 0) {
    throw new ConflictError(
      `namespace ${cp.namespace} already has ${clashes.slice(0, 10).join(', ')}${clashes.length > 10 ? ', …' : ''}; import into a fresh control cluster (nothing was imported)`,
    );
  }
  let created = 0;
  for (const item of importOrder(bundle.items)) {
    const kind = EXPORTED_KINDS.find((k) => k.kind === item.kind) as (typeof EXPORTED_KINDS)[number];
    const { status, ...body } = item as KubeObject & { status?: unknown };
    const replace = installedDefault !== undefined && isInstalledDefaultProject(item);
    const metadata = {
      ...body.metadata,
      namespace: cp.namespace,
      ...(replace ? { resourceVersion: installedDefault } : {}),
    };
    const written = replace
      ? await cp.rest.request<KubeObject>('PUT', `${collectionPath(cp, kind)}/${DEFAULT_PROJECT}`, {
          body: { ...body, metadata },
        })
      : await cp.rest.request<KubeObject>('POST', collectionPath(cp, kind), { body: { ...body, metadata } });
    created++;
    if (status !== undefined && kind.kind !== 'Secret') {
      await cp.rest.request(
        'PUT',
        `${collectionPath(cp, kind)}/${encodeURIComponent(item.metadata.name ?? '')}/status`,
        {
          body: { ...written, status },
        },
      );
    }
  }
  return { created };
}
