import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { type HealthAssessor, healthAssessor } from '../../core/health/assessor.ts';
import { emptyCustomizations, parseHealthCustomizations } from '../../core/health/customizations.ts';
import { listByRest, type RestartingInformer, restartingInformer } from '../kube/informer-restart.ts';
import { KubeRest } from '../kube/rest.ts';
import { LuaHealthRuntime, type LuaRuntimeOptions } from './lua-runtime.ts';

/** The ConfigMap of the control namespace that holds Tiphys's settings, as argocd-cm does Argo CD's. */
export const SETTINGS_CONFIGMAP = 'tiphys-cm';

export interface HealthSettingsOptions {
  name?: string;
  log?: (message: string) => void;
  lua?: LuaRuntimeOptions;
}

/**
 * The health customizations of `tiphys-cm` (docs/health.md), kept current by a watch on that
 * one ConfigMap: an edit takes effect at the next reconcile, without a restart. `assess` is a
 * stable function the controller keeps; it always judges by the latest settings. A key that
 * cannot be used is logged with its cause and skipped; the other keys still apply.
 */
export class HealthSettings {
  readonly assess: HealthAssessor = (obj) => this.current(obj);
  private current: HealthAssessor = healthAssessor(emptyCustomizations);
  private lastData = '';
  private errors: string[] = [];
  private readonly watch: RestartingInformer;
  private readonly rest: KubeRest;
  private readonly runtime: LuaHealthRuntime;
  private readonly log: (message: string) => void;
  private readonly name: string;

  constructor(kc: KubeConfig, namespace: string, options: HealthSettingsOptions = {}) {
    this.name = options.name ?? SETTINGS_CONFIGMAP;
    this.log = options.log ?? (() => {});
    this.runtime = new LuaHealthRuntime(options.lua);
    this.rest = new KubeRest(kc);
    // The informer of this client version takes no field selector, so it watches the control
    // namespace's ConfigMaps (a handful) and this one is picked by name.
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    this.watch = restartingInformer(kc, path, listByRest(this.rest, path));
    const informer = this.watch.informer;
    const ours = (obj: KubernetesObject) => obj.metadata?.name === this.name;
    const apply = (obj: KubernetesObject) => {
      if (ours(obj)) this.apply((obj as { data?: Record<string, string> }).data ?? {});
    };
    informer.on('add', apply);
    informer.on('update', apply);
    informer.on('delete', (obj) => {
      if (ours(obj)) this.apply({});
    });
  }

  /** Lists the ConfigMap once (so the first reconcile already uses it), then watches it. */
  start(): Promise<void> {
    return this.watch.start();
  }

  async stop(): Promise<void> {
    await this.watch.stop();
    this.rest.close();
    this.runtime.close();
  }

  /** The keys of the current settings that could not be used, each with its cause. */
  configurationErrors(): readonly string[] {
    return this.errors;
  }

  private apply(data: Record<string, string>): void {
    const text = JSON.stringify(data);
    if (text === this.lastData) return;
    this.lastData = text;
    const customizations = parseHealthCustomizations(data);
    this.errors = customizations.errors;
    for (const error of customizations.errors) this.log(`${this.name}: ${error}`);
    this.current = healthAssessor(customizations, this.runtime);
    const count = customizations.checks.length;
    this.log(`${this.name}: ${count} custom health check${count === 1 ? '' : 's'} in use`);
  }
}
