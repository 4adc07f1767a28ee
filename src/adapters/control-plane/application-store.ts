import type { KubeConfig } from '@kubernetes/client-node';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import type { Application } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import { asKubeApiError } from '../kube/cluster-client.ts';
import {
  type CachingInformer,
  listByRest,
  type RestartingInformer,
  restartingInformer,
} from '../kube/informer-restart.ts';
import { KubeRest } from '../kube/rest.ts';
import { KindWatch } from './kind-watch.ts';
import { MERGE_PATCH, tiphysPath } from './paths.ts';
import { WatchedProjects } from './watched-projects.ts';

const PLURAL = 'applications';

/**
 * The Applications of the control namespace: an informer keeps them in memory and reports
 * changes; writes go through merge patches (status via the status subresource).
 */
export class ApplicationStore {
  readonly namespace: string;
  private readonly rest: KubeRest;
  private readonly watch: RestartingInformer;
  private readonly informer: CachingInformer;
  /** The AppProjects from a watch (the controller's); without it each question is a GET. */
  private readonly projectWatch: KindWatch | undefined;
  private readonly projects: WatchedProjects | undefined;
  /** The resourceVersion each app had after this store's last write of it. */
  private readonly written = new Map<string, string>();
  /** Apps `current` found without a status: their first status write is a merge patch. */
  private readonly statusless = new Set<string>();

  constructor(kc: KubeConfig, namespace: string, options: { watchProjects?: boolean } = {}) {
    this.namespace = namespace;
    this.rest = new KubeRest(kc);
    // A reconcile's status writes stop when its replica no longer owns the app (write-fence.ts).
    this.rest.fenced = true;
    const path = tiphysPath(namespace, PLURAL);
    // Without managedFields: no reader of the store looks at them (every route drops them), and
    // at 1,000 apps they were 6 MiB of the 18 the Applications took (docs/performance.md).
    this.watch = restartingInformer(kc, path, listByRest(this.rest, path), {
      transform: withoutManagedFields,
    });
    this.informer = this.watch.informer;
    this.informer.on('delete', (obj) => this.written.delete(obj.metadata?.name ?? ''));
    if (options.watchProjects) {
      this.projectWatch = new KindWatch(kc, namespace, 'appprojects');
      this.projects = new WatchedProjects(this.projectWatch, (name) => this.readProject(name));
    }
  }

  /** Calls back with the name of every Application added, changed or deleted. */
  onChange(callback: (name: string, app: Application | undefined) => void): void {
    this.informer.on('add', (obj) => callback(obj.metadata?.name ?? '', obj as unknown as Application));
    this.informer.on('update', (obj) => callback(obj.metadata?.name ?? '', obj as unknown as Application));
    this.informer.on('delete', (obj) => callback(obj.metadata?.name ?? '', undefined));
  }

  /** Calls back with the last state of every Application deleted. */
  onDelete(callback: (app: Application) => void): void {
    this.informer.on('delete', (obj) => callback(obj as unknown as Application));
  }

  /** With watched projects: calls back with the names of the projects that changed. */
  onProjectChange(callback: (projects: string[]) => void): void {
    this.projects?.onChange(callback);
  }

  start(): Promise<void> {
    this.projectWatch?.start();
    return this.watch.start();
  }

  async stop(): Promise<void> {
    await this.watch.stop();
    await this.projectWatch?.stop();
    this.rest.close();
  }

  get(name: string): Application | undefined {
    return this.informer.get(name, this.namespace) as unknown as Application | undefined;
  }

  list(): Application[] {
    return this.informer.list(this.namespace) as unknown as Application[];
  }

  /**
   * The app as of its latest version this process knows of: the informer's copy (a copy of it,
   * free to change) when it holds this store's last write of the app or the store never wrote
   * it, else a read from the API server (the informer lags behind the write just made). A
   * reconcile started by a watch event finds that event's version in the informer: measured at
   * 150 apps, a GET per reconcile was 2 to 3 requests per app synced.
   */
  async current(name: string): Promise<Application | undefined> {
    const cached = this.get(name);
    const written = this.written.get(name);
    const app =
      cached && (written === undefined || cached.metadata.resourceVersion === written)
        ? structuredClone(cached)
        : await this.fetch(name);
    if (app && !app.status) this.statusless.add(name);
    else this.statusless.delete(name);
    return app;
  }

  /**
   * Called before a write (the version becomes unknown: a write that fails may still have been
   * made) and with its answer.
   */
  private remember(name: string, answer?: unknown): void {
    const version = (answer as { metadata?: { resourceVersion?: string } } | undefined)?.metadata
      ?.resourceVersion;
    if (version) this.written.set(name, version);
    // Unknown (a write under way or failed, an answer without a version): the next look reads.
    else this.written.set(name, '');
  }

  /** Reads straight from the API server (the informer may lag behind a write just made). */
  async fetch(name: string): Promise<Application | undefined> {
    try {
      return await this.rest.request<Application>('GET', tiphysPath(this.namespace, PLURAL, name));
    } catch (error) {
      const failure = asKubeApiError(error, `read of Application ${name}`);
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  /**
   * Writes the given status fields, each replaced whole (a JSON patch of `add` operations): a
   * merge patch would keep keys of an earlier operation that the new one does not have. The
   * very first write, when the Application has no status yet, is a merge patch: at once when
   * `current` last found the app without one (a new app; else a JSON patch refused for want of
   * `/status` came first, a request per app), after the refused JSON patch otherwise.
   */
  async patchStatus(name: string, status: Partial<ApplicationStatus>): Promise<void> {
    const path = tiphysPath(this.namespace, PLURAL, name, 'status');
    const ops = Object.entries(status)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => ({ op: 'add', path: `/status/${field}`, value }));
    this.remember(name);
    const merge = () =>
      this.rest.request('PATCH', path, { body: { status }, contentType: 'application/merge-patch+json' });
    if (this.statusless.delete(name)) {
      try {
        this.remember(name, await merge());
        return;
      } catch (error) {
        throw asKubeApiError(error, `status update of Application ${name}`);
      }
    }
    try {
      this.remember(
        name,
        await this.rest.request('PATCH', path, { body: ops, contentType: 'application/json-patch+json' }),
      );
    } catch (error) {
      const status_ = (error as { status?: number }).status ?? 0;
      if (status_ === 404 || status_ === 0)
        throw asKubeApiError(error, `status update of Application ${name}`);
      try {
        this.remember(name, await merge());
      } catch (second) {
        throw asKubeApiError(second, `status update of Application ${name}`);
      }
    }
  }

  /** The AppProject of that name in the control namespace, or undefined. */
  fetchProject(name: string): Promise<AppProject | undefined> {
    return this.projects ? this.projects.get(name) : this.readProject(name);
  }

  private async readProject(name: string): Promise<AppProject | undefined> {
    try {
      return await this.rest.request<AppProject>(
        'GET',
        `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${this.namespace}/appprojects/${name}`,
      );
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw asKubeApiError(error, `read of AppProject ${name}`);
    }
  }

  /** Merge-patches the Application itself (its operation, or spec fields such as syncPolicy). */
  async patch(name: string, body: Record<string, unknown>): Promise<void> {
    this.remember(name);
    try {
      this.remember(
        name,
        await this.rest.request('PATCH', tiphysPath(this.namespace, PLURAL, name), {
          body,
          contentType: MERGE_PATCH,
        }),
      );
    } catch (error) {
      throw asKubeApiError(error, `update of Application ${name}`);
    }
  }
}
