// Where the RBAC policy comes from: ConfigMap `tiphys-rbac` and the roles of every AppProject in
// the control namespace, re-read at most every few seconds when a decision is asked for. The
// Casbin enforcer is rebuilt only when one of them has changed.

import { readDocument, statusOf } from '../../adapters/control-plane/document-store.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import { RbacEngine } from './rbac.ts';
import { addPolicy, type ProjectRoles, projectRolePolicies, rbacConfigFromData } from './rbac-policy.ts';

export const RBAC_CONFIGMAP = 'tiphys-rbac';

interface ProjectList {
  items?: (ProjectRoles & { metadata: { name: string; resourceVersion?: string } })[];
}

export class PolicySource {
  private readonly rest: KubeRest;
  private readonly namespace: string;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly ttlMs: number;
  private current: { at: number; version: string; engine: RbacEngine } | undefined;
  private loading: Promise<RbacEngine> | undefined;

  constructor(options: {
    rest: KubeRest;
    namespace: string;
    now: () => number;
    log: (line: string) => void;
    ttlMs?: number;
  }) {
    this.rest = options.rest;
    this.namespace = options.namespace;
    this.now = options.now;
    this.log = options.log;
    this.ttlMs = options.ttlMs ?? 3_000;
  }

  /** The enforcer for the current policy. Throws only when no policy could ever be read. */
  async engine(): Promise<RbacEngine> {
    const age = this.current ? this.now() - this.current.at : Number.POSITIVE_INFINITY;
    if (this.current && age >= 0 && age < this.ttlMs) return this.current.engine;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Forces a re-read on the next decision (after a change this process made itself). */
  invalidate(): void {
    if (this.current) this.current.at = Number.NEGATIVE_INFINITY;
  }

  private async load(): Promise<RbacEngine> {
    try {
      const [configMap, projects] = await Promise.all([
        readDocument(this.rest, this.namespace, 'configmaps', RBAC_CONFIGMAP),
        this.projects(),
      ]);
      const version = [
        configMap?.resourceVersion ?? '-',
        ...projects.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion ?? ''}`),
      ].join(',');
      if (this.current?.version === version) {
        this.current.at = this.now();
        return this.current.engine;
      }
      const config = rbacConfigFromData(configMap?.data ?? {});
      for (const project of projects) addPolicy(config, projectRolePolicies(project));
      for (const problem of config.problems) this.log(`rbac: ignored: ${problem}`);
      const engine = await RbacEngine.create(config);
      this.current = { at: this.now(), version, engine };
      return engine;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!this.current) throw new Error(`cannot read the RBAC policy: ${reason}`, { cause: error });
      // The last policy read stays in force; retried at the next interval.
      this.log(`rbac: cannot re-read the policy, keeping the previous one: ${reason}`);
      this.current.at = this.now();
      return this.current.engine;
    }
  }

  private async projects(): Promise<NonNullable<ProjectList['items']>> {
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${encodeURIComponent(this.namespace)}/appprojects`;
    try {
      const list = await this.rest.request<ProjectList>('GET', path);
      return (list.items ?? []).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    } catch (error) {
      // Not installed yet (no CRD): no project roles, the ConfigMap alone decides.
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }
}
