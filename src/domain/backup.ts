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
import type { ControlPlane } from './control-plane.ts';
import { SECRET_TYPE_LABEL } from './credential-secrets.ts';
import { ConflictError } from './errors.ts';

function collectionPath(cp: ControlPlane, kind: (typeof EXPORTED_KINDS)[number]): string {
  return kind.kind === 'Secret' ? secretPath(cp.namespace) : tiphysPath(cp.namespace, kind.plural);
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
  for (const item of bundle.items) {
    const kind = EXPORTED_KINDS.find((k) => k.kind === item.kind);
    if (!kind) continue;
    const exists = await cp.rest
      .request('GET', `${collectionPath(cp, kind)}/${encodeURIComponent(item.metadata.name ?? '')}`)
      .then(() => true)
      .catch((error: { status?: number }) => {
        if (error.status === 404) return false;
        throw error;
      });
    if (exists) clashes.push(`${item.kind} ${item.metadata.name}`);
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
    const written = await cp.rest.request<KubeObject>('POST', collectionPath(cp, kind), {
      body: { ...body, metadata: { ...body.metadata, namespace: cp.namespace } },
    });
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
