// The Applications the user may see, kept current by the live stream
// (GET /api/v1/stream/applications). One store for the whole UI: the list and the application
// page read the same objects, so a sync shows up on both without a reload.
import { useSyncExternalStore } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { Application, StreamEvent } from '../api/types.ts';
import { type AppMap, applyEvents, replaceAll, sortedByName } from './apps-reduce.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export interface AppsSnapshot {
  byName: AppMap;
  sorted: Application[];
  loaded: boolean;
  error?: string;
  live: LiveState;
}

const PAGE = 1000;
const FLUSH_MS = 60;
const RETRY_MS = 3000;

class AppsStore {
  private snapshot: AppsSnapshot = { byName: new Map(), sorted: [], loaded: false, live: 'connecting' };
  private listeners = new Set<() => void>();
  private source: EventSource | undefined;
  private pending: StreamEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private loading = false;
  private everFailed = false;
  private running = false;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
    void this.reload();
  }

  stop(): void {
    this.running = false;
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    this.pending = [];
    this.set({ byName: new Map(), sorted: [], loaded: false, error: undefined, live: 'connecting' });
  }

  /** Puts a copy fetched directly (the application page does) into the shared state. */
  upsert(app: Application): void {
    this.commit(applyEvents(this.snapshot.byName, [{ type: 'MODIFIED', application: app }]));
  }

  remove(name: string): void {
    const app = this.snapshot.byName.get(name);
    if (app) this.commit(applyEvents(this.snapshot.byName, [{ type: 'DELETED', application: app }]));
  }

  async reload(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const items: Application[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await api.listApplications({ limit: PAGE, offset });
        items.push(...page.items);
        if (page.items.length < PAGE || items.length >= page.total) break;
        // On the first load, show the first page while the rest arrives: thousands of apps
        // should not keep the list blank. The complete listing below replaces it.
        if (offset === 0 && !this.snapshot.loaded && this.running) {
          const byName = replaceAll(this.snapshot.byName, items);
          this.set({
            ...this.snapshot,
            byName,
            sorted: sortedByName(byName),
            loaded: true,
            error: undefined,
          });
        }
      }
      if (!this.running) return;
      // Events that arrived while listing are newer than (or as new as) the listing.
      const events = this.pending;
      this.pending = [];
      const byName = applyEvents(replaceAll(this.snapshot.byName, items), events);
      this.set({ ...this.snapshot, byName, sorted: sortedByName(byName), loaded: true, error: undefined });
    } catch (error) {
      if (this.running) this.set({ ...this.snapshot, loaded: true, error: errorMessage(error) });
    } finally {
      this.loading = false;
    }
  }

  private connect(): void {
    const source = new EventSource('/api/v1/stream/applications', { withCredentials: true });
    this.source = source;
    const onMessage = (message: MessageEvent<string>) => {
      try {
        this.pending.push(JSON.parse(message.data) as StreamEvent);
      } catch {
        return;
      }
      if (!this.loading && this.flushTimer === undefined) {
        this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
      }
    };
    source.addEventListener('application', onMessage);
    source.addEventListener('message', onMessage);
    source.addEventListener('open', () => {
      this.set({ ...this.snapshot, live: 'live' });
      // Whatever changed while disconnected was missed: list again.
      if (this.everFailed) void this.reload();
    });
    source.addEventListener('error', () => {
      this.everFailed = true;
      this.set({ ...this.snapshot, live: 'reconnecting' });
      if (source.readyState === EventSource.CLOSED && this.running) {
        // The browser gives up on a non-stream answer (a restarting server); keep trying.
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
          if (this.running && this.source === source) this.connect();
        }, RETRY_MS);
      }
    });
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.loading) return;
    const events = this.pending;
    this.pending = [];
    this.commit(applyEvents(this.snapshot.byName, events));
  }

  private commit(byName: AppMap): void {
    if (byName === this.snapshot.byName) return;
    this.set({ ...this.snapshot, byName, sorted: sortedByName(byName) });
  }

  private set(snapshot: AppsSnapshot): void {
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener();
  }
}

export const appsStore = new AppsStore();

export function useApps(): AppsSnapshot {
  return useSyncExternalStore(appsStore.subscribe, appsStore.getSnapshot);
}
