// Writing an import plan into the control namespace. Everything is checked before the first
// write: an object or Secret that exists and differs is a clash, and without `overwrite` a clash
// stops the import with nothing written. One that exists and is equal is left alone, so running
// the same import twice writes nothing the second time.
import { apiStatus, secretPath, tiphysPath } from '../../adapters/control-plane/paths.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { ControlPlane } from '../control-plane.ts';
import { credentialsLabels, upsertSecret } from '../credential-secrets.ts';
import { ConflictError } from '../errors.ts';
import type { ImportPlan, ImportTarget, PlannedObject } from './plan-types.ts';

const PLURALS: Record<PlannedObject['kind'], string> = {
  Application: 'applications',
  AppProject: 'appprojects',
  ApplicationSet: 'applicationsets',
  Cluster: 'clusters',
  ConfigMap: 'configmaps',
};

function objectPath(namespace: string, kind: PlannedObject['kind'], name?: string): string {
  if (kind !== 'ConfigMap') return tiphysPath(namespace, PLURALS[kind], name);
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** JSON with object keys sorted, to compare what was written with what would be. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function read<T>(cp: ControlPlane, path: string): Promise<T | undefined> {
  try {
    return await cp.rest.request<T>('GET', path);
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/** The Clusters and projects the plan is made against. */
export async function readImportTarget(cp: ControlPlane, argoNamespace: string): Promise<ImportTarget> {
  const [clusters, projects] = await Promise.all([
    cp.rest.request<{ items: { metadata: { name: string }; spec: { server: string } }[] }>(
      'GET',
      tiphysPath(cp.namespace, 'clusters'),
    ),
    cp.rest.request<{ items: { metadata: { name: string }; spec: Record<string, unknown> }[] }>(
      'GET',
      tiphysPath(cp.namespace, 'appprojects'),
    ),
  ]);
  return {
    namespace: cp.namespace,
    argoNamespace,
    clusters: clusters.items.map((c) => ({ name: c.metadata.name, server: c.spec.server })),
    projects: projects.items.map((p) => ({ name: p.metadata.name, spec: p.spec })),
  };
}

type Existing = 'absent' | 'equal' | { resourceVersion: string };

async function existingObject(cp: ControlPlane, item: PlannedObject): Promise<Existing> {
  const live = await read<KubeObject & { spec?: unknown; data?: unknown }>(
    cp,
    objectPath(cp.namespace, item.kind, item.name),
  );
  if (!live) return 'absent';
  const field = item.kind === 'ConfigMap' ? 'data' : 'spec';
  const wanted = (item.object as unknown as Record<string, unknown>)[field];
  return canonical(live[field] ?? {}) === canonical(wanted ?? {})
    ? 'equal'
    : { resourceVersion: live.metadata.resourceVersion ?? '' };
}

async function existingSecret(
  cp: ControlPlane,
  name: string,
  data: Record<string, string>,
): Promise<Existing> {
  const live = await read<{ data?: Record<string, string>; metadata: { resourceVersion?: string } }>(
    cp,
    secretPath(cp.namespace, name),
  );
  if (!live) return 'absent';
  const decoded = Object.fromEntries(
    Object.entries(live.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  return canonical(decoded) === canonical(data)
    ? 'equal'
    : { resourceVersion: live.metadata.resourceVersion ?? '' };
}

export interface ImportResult {
  created: string[];
  replaced: string[];
  unchanged: string[];
}

export async function applyImport(
  cp: ControlPlane,
  plan: ImportPlan,
  options: { overwrite: boolean },
): Promise<ImportResult> {
  const result: ImportResult = { created: [], replaced: [], unchanged: [] };
  const secretStates = await Promise.all(plan.secrets.map((s) => existingSecret(cp, s.name, s.data)));
  const objectStates = await Promise.all(plan.objects.map((o) => existingObject(cp, o)));
  const clashes = [
    ...plan.secrets.filter((_, i) => typeof secretStates[i] === 'object').map((s) => `Secret ${s.name}`),
    ...plan.objects.filter((_, i) => typeof objectStates[i] === 'object').map((o) => `${o.kind} ${o.name}`),
  ];
  if (clashes.length > 0 && !options.overwrite) {
    throw new ConflictError(
      `namespace ${cp.namespace} already has, different from the import: ${clashes.join(', ')}; nothing was imported (pass --overwrite to replace them)`,
    );
  }
  for (const [i, secret] of plan.secrets.entries()) {
    const label = `Secret ${secret.name}`;
    if (secretStates[i] === 'equal') {
      result.unchanged.push(label);
      continue;
    }
    const created = await upsertSecret(
      cp,
      secret.name,
      credentialsLabels(secret.purpose),
      secret.data,
      options.overwrite,
    );
    (created ? result.created : result.replaced).push(label);
  }
  for (const [i, item] of plan.objects.entries()) {
    const label = `${item.kind} ${item.name}`;
    const state = objectStates[i];
    if (state === 'equal') {
      result.unchanged.push(label);
    } else if (state === 'absent') {
      await cp.rest.request('POST', objectPath(cp.namespace, item.kind), { body: item.object });
      result.created.push(label);
    } else {
      const body = {
        ...item.object,
        metadata: { ...item.object.metadata, resourceVersion: state.resourceVersion },
      };
      await cp.rest.request('PUT', objectPath(cp.namespace, item.kind, item.name), { body });
      result.replaced.push(label);
    }
  }
  return result;
}
