// Fans the informer's Application changes out to the live-update streams. The informer reports
// a deletion by name only, so the last known object is kept to say what was deleted (and to
// which project it belonged, which decides who may see the event).
import type { Application } from '../core/model/application.ts';
import type { ApplicationSource } from './context.ts';

export type AppEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface AppEvent {
  type: AppEventType;
  application: Application;
}
export type AppEventListener = (event: AppEvent) => void;

export class AppEventHub {
  private readonly known = new Map<string, Application>();
  private readonly listeners = new Set<AppEventListener>();

  constructor(apps: ApplicationSource) {
    for (const app of apps.list()) this.known.set(app.metadata.name, app);
    apps.onChange((name, app) => this.changed(name, app));
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  private changed(name: string, app: Application | undefined): void {
    const previous = this.known.get(name);
    let event: AppEvent;
    if (app) {
      this.known.set(name, app);
      event = { type: previous ? 'MODIFIED' : 'ADDED', application: app };
    } else {
      if (!previous) return;
      this.known.delete(name);
      event = { type: 'DELETED', application: previous };
    }
    for (const listener of this.listeners) listener(event);
  }
}
