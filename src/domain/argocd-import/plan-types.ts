// What `tiphys import argocd` reads and what it plans to write (docs/fleet.md, "Importing from
// Argo CD"). The plan is data: the CLI prints it (dry run) or hands it to apply.ts. Every Argo CD
// object read ends in exactly one of `objects`/`secrets` (translated, with a note for each field
// dropped or changed), `refused` (with the reasons) or `ignored` (not something the import reads),
// so nothing is dropped without a word.
import type { KubeObject } from '../../core/manifest/object.ts';

export const ARGOCD_GROUP = 'argoproj.io';
export const ARGOCD_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const ARGOCD_RBAC_CONFIGMAP = 'argocd-rbac-cm';
export const DEFAULT_ARGOCD_NAMESPACE = 'argocd';

/** An object as read from a file or a live Argo CD cluster: nothing about it is trusted. */
export interface ArgoObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: {
    name?: unknown;
    namespace?: unknown;
    labels?: unknown;
    annotations?: unknown;
    finalizers?: unknown;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export type TiphysKind = 'Application' | 'AppProject' | 'ApplicationSet' | 'Cluster' | 'ConfigMap';

export interface PlannedObject {
  kind: TiphysKind;
  name: string;
  /** The Argo CD object it comes from, `Kind namespace/name`. */
  from: string;
  object: KubeObject;
  /** What was dropped or changed on the way, one sentence each. */
  notes: string[];
}

/** A credentials Secret to write; `data` holds plain values that are never printed. */
export interface PlannedSecret {
  purpose: 'repository' | 'cluster';
  name: string;
  from: string;
  data: Record<string, string>;
  notes: string[];
}

export interface Unimported {
  from: string;
  reasons: string[];
}

export interface ImportPlan {
  /** The control namespace the objects go to. */
  namespace: string;
  secrets: PlannedSecret[];
  objects: PlannedObject[];
  /** Argo CD objects that cannot become Tiphys ones (or may not): nothing of them is written. */
  refused: Unimported[];
  /** Objects that are not what the import reads, or need nothing (Argo CD's own in-cluster). */
  ignored: Unimported[];
}

/** What the import knows of the control plane it writes to. */
export interface ImportTarget {
  namespace: string;
  /** The namespace Argo CD ran in: Applications elsewhere need their project's sourceNamespaces. */
  argoNamespace: string;
  /** Clusters already registered in Tiphys. */
  clusters: { name: string; server: string }[];
  /** AppProjects already in Tiphys, for Applications that name a project the import lacks. */
  projects: { name: string; spec: Record<string, unknown> }[];
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export const stringOr = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? value : fallback;

/** `Kind namespace/name` of a read object, for reports; never any of its data. */
export function describeSource(obj: ArgoObject, argoNamespace: string): string {
  const kind = stringOr(obj.kind, '(no kind)');
  const name = stringOr(obj.metadata?.name, '(no name)');
  const namespace = stringOr(obj.metadata?.namespace, argoNamespace);
  return `${kind} ${namespace}/${name}`;
}

/** A string map (labels, annotations), or undefined; anything else is a problem. */
export function stringMap(
  value: unknown,
  field: string,
  problems: string[],
): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    problems.push(`${field}: must map names to strings`);
    return undefined;
  }
  return { ...value } as Record<string, string>;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Whether a name is one Kubernetes accepts for these objects. */
export function isObjectName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}
