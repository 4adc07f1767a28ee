// The controller's AppProjects from a watch instead of a GET per question. A reconcile asks for
// its app's project up to five times (sources permitted, render's remote bases, objects
// permitted, sync windows, notifications): measured at 150 apps, 10 GETs of an AppProject per
// app synced, a fifth of every request the controller made. Projects are few and change
// rarely; a watch holds them all.
//
// Freshness, as with a GET: a copy is as old as the watch's lag (milliseconds), and a project
// that changes queues a reconcile of each of its apps (onChange), so an app refused by the
// previous version is looked at again, and one a tightened project now refuses says so. A
// project the watch does not hold is read from the API server (one created a moment ago), and
// so is every project while the watch is not listed or broken.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AppProject } from '../../core/model/app-project.ts';

/** What is needed of the watch (KindWatch): whether it may be trusted and what it holds. */
export interface ProjectWatch {
  readonly watching: boolean;
  objects(): readonly KubernetesObject[];
  onChange(callback: () => void): void;
}

export class WatchedProjects {
  private readonly watch: ProjectWatch;
  private readonly read: (name: string) => Promise<AppProject | undefined>;
  /** The spec each project had when last looked at, to tell a change from a resync. */
  private readonly seen = new Map<string, string>();

  constructor(watch: ProjectWatch, read: (name: string) => Promise<AppProject | undefined>) {
    this.watch = watch;
    this.read = read;
  }

  /** The AppProject of that name, or undefined. */
  async get(name: string): Promise<AppProject | undefined> {
    if (this.watch.watching) {
      const held = this.watch.objects().find((p) => p.metadata?.name === name);
      if (held) return held as unknown as AppProject;
    }
    return this.read(name);
  }

  /**
   * Calls back with the names of the projects whose spec or annotations changed since the watch
   * last reported, added and deleted ones included (at the first list, every project: their
   * apps are all queued at start anyway). A relist that finds nothing new reports nothing.
   */
  onChange(callback: (projects: string[]) => void): void {
    this.watch.onChange(() => {
      if (!this.watch.watching) return;
      const now = new Map(
        this.watch.objects().map((p) => {
          const { spec, metadata } = p as unknown as AppProject;
          return [metadata.name, JSON.stringify([spec, metadata.annotations ?? {}])] as const;
        }),
      );
      const names = new Set([...now.keys(), ...this.seen.keys()]);
      const changed = [...names].filter((n) => now.get(n) !== this.seen.get(n));
      this.seen.clear();
      for (const [n, value] of now) this.seen.set(n, value);
      if (changed.length > 0) callback(changed);
    });
  }
}
