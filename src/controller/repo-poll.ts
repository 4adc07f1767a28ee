// Polling of Git (and chart and artifact registries) without waking per app: one timer per
// repository. Each poll resolves every (source, revision) the repository's apps follow once (one
// `ls-remote` for a Git repository) and queues only the apps whose sources moved from the
// revision their status records, plus the apps whose last reconcile failed ("retried on change or
// poll", docs/engine.md). At rest nothing else wakes: no per-app timer, no reconcile.

import { splitRevisions } from '../core/model/app-sources.ts';
import type { Application, ApplicationSource } from '../core/model/application.ts';
import { errorMessage, type Logger } from './log.ts';

export interface RepoPollDeps {
  /** Between two polls of a repository, with ±10 % jitter so repositories spread out. */
  intervalMs: number;
  apps: () => readonly Application[];
  /** Whether the app's project lets it read its sources (a refused repository is never asked). */
  permits: (app: Application) => Promise<boolean>;
  /** What a source's revision points at now (a commit; a chart's `VERSION@sha256:DIGEST`). */
  resolve: (source: ApplicationSource, revision: string) => Promise<string>;
  /** Apps whose sources moved: queued as a push's are (changed folders first). */
  moved: (names: string[]) => void;
  /** Apps whose last reconcile failed or never compared: looked at again. */
  retry: (names: string[]) => void;
  /** Whether this replica acts (leads); a poll does nothing while it does not. */
  isActive: () => boolean;
  log: Logger;
}

/** How often each repository was polled, for tests and metrics. */
export interface RepoPollStats {
  polls: number;
}

type Source = ApplicationSource & { targetRevision?: string };

function sourcesOf(app: Application): Source[] {
  return app.spec?.sources ?? (app.spec?.source ? [app.spec.source] : []);
}

function revisionKey(source: Source): string {
  return [source.repoURL, source.chart ?? '', source.targetRevision || 'HEAD'].join('\u0000');
}

/**
 * Why a poll queues an app: 'failing' (no comparison recorded, or the last one failed: status
 * Unknown), 'moved' (a source of this repository resolves to another revision than the one the
 * status records), or undefined (nothing to do). `resolved` is undefined for a source whose
 * revision could not be resolved, which counts as moved: the reconcile reports why.
 */
export function pollVerdict(
  app: Application,
  repoURL: string,
  resolved: (source: Source) => string | undefined,
): 'failing' | 'moved' | undefined {
  const sync = app.status?.sync;
  if (!sync?.revision || sync.status === 'Unknown') return 'failing';
  const sources = sourcesOf(app);
  let recorded: string[];
  try {
    recorded = sources.length === 1 ? [sync.revision] : splitRevisions(sync.revision, sources.length);
  } catch {
    return 'moved';
  }
  for (const [i, source] of sources.entries()) {
    if (source.repoURL !== repoURL) continue;
    const now = resolved(source);
    if (now === undefined || now !== recorded[i]) return 'moved';
  }
  return undefined;
}

export class RepoPoll {
  readonly stats: RepoPollStats = { polls: 0 };
  readonly #deps: RepoPollDeps;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(deps: RepoPollDeps) {
    this.#deps = deps;
  }

  /** Makes sure each repository the app reads has its timer (an app event, or start). */
  watch(app: Application): void {
    for (const source of sourcesOf(app)) this.#arm(source.repoURL);
  }

  /** Repositories with a timer. */
  get repositories(): number {
    return this.#timers.size;
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #arm(repoURL: string): void {
    if (this.#stopped || this.#timers.has(repoURL)) return;
    const jitter = 1 + (Math.random() * 0.2 - 0.1);
    const timer = setTimeout(
      () => {
        void this.poll(repoURL)
          .catch((error: unknown) =>
            this.#deps.log.warn({}, `poll of ${repoURL} failed: ${errorMessage(error)}`),
          )
          .finally(() => {
            this.#timers.delete(repoURL);
            // A repository no app reads any more is forgotten: its timer is not armed again.
            if (this.#deps.apps().some((app) => sourcesOf(app).some((s) => s.repoURL === repoURL)))
              this.#arm(repoURL);
          });
      },
      Math.round(this.#deps.intervalMs * jitter),
    );
    timer.unref();
    this.#timers.set(repoURL, timer);
  }

  /**
   * One poll of a repository: each revision its apps follow resolved once, then the apps whose
   * sources moved and the failing ones queued. Resolves with the names queued.
   */
  async poll(repoURL: string): Promise<{ moved: string[]; failing: string[] }> {
    const deps = this.#deps;
    if (!deps.isActive()) return { moved: [], failing: [] };
    this.stats.polls++;
    const apps = deps
      .apps()
      .filter(
        (app) =>
          !(app.metadata as { deletionTimestamp?: string }).deletionTimestamp &&
          sourcesOf(app).some((s) => s.repoURL === repoURL),
      );
    // An app whose spec cannot even be read (it throws at once) is refused, never the whole poll.
    const permitted = await Promise.all(
      apps.map((app) =>
        Promise.resolve()
          .then(() => deps.permits(app))
          .catch(() => false),
      ),
    );
    // One resolve per revision, asked for together so a Git repository's share one listing.
    const wanted = new Map<string, Source>();
    for (const [i, app] of apps.entries())
      if (permitted[i])
        for (const source of sourcesOf(app))
          if (source.repoURL === repoURL) wanted.set(revisionKey(source), source);
    const resolved = new Map<string, string | undefined>();
    await Promise.all(
      [...wanted].map(async ([key, source]) => {
        resolved.set(key, await deps.resolve(source, source.targetRevision || 'HEAD').catch(() => undefined));
      }),
    );
    const moved: string[] = [];
    const failing: string[] = [];
    for (const [i, app] of apps.entries()) {
      // A refused app is failing (its status says so) and its reconcile says why again.
      const verdict = permitted[i]
        ? pollVerdict(app, repoURL, (source) => resolved.get(revisionKey(source)))
        : 'failing';
      if (verdict === 'moved') moved.push(app.metadata.name);
      else if (verdict === 'failing') failing.push(app.metadata.name);
    }
    if (moved.length > 0) deps.moved(moved);
    if (failing.length > 0) deps.retry(failing);
    return { moved, failing };
  }
}
