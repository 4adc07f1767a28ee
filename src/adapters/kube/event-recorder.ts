// Kubernetes Events (core/v1) about objects of the control cluster, as client-go's recorder
// writes them: the same event again (same object, type, reason and message) raises the count
// and last timestamp of the one already written instead of adding another.
import type { KubeRest } from './rest.ts';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface EventNote {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

interface Written {
  name: string;
  count: number;
}

/** The API server keeps Event messages short; longer ones are cut, not refused. */
const MAX_MESSAGE = 1024;
/** Events remembered for aggregation; older ones are written anew. */
const REMEMBERED = 2_000;

export class EventRecorder {
  private readonly rest: KubeRest;
  private readonly component: string;
  private readonly instance: string;
  private readonly written = new Map<string, Written>();
  private readonly pending = new Set<Promise<void>>();

  constructor(rest: KubeRest, options: { component: string; instance: string }) {
    this.rest = rest;
    this.component = options.component;
    this.instance = options.instance;
  }

  /** Writes the event; resolves when it is written (or failed: see the returned promise). */
  record(about: InvolvedObject, note: EventNote): Promise<void> {
    const work = this.write(about, { ...note, message: note.message.slice(0, MAX_MESSAGE) });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work)).catch(() => {});
    return work;
  }

  /** Resolves when every event being written is done (shutdown). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async write(about: InvolvedObject, note: EventNote): Promise<void> {
    const key = JSON.stringify([about.uid ?? about.name, note.type, note.reason, note.message]);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const base = `/api/v1/namespaces/${encodeURIComponent(about.namespace)}/events`;
    const known = this.written.get(key);
    if (known) {
      try {
        await this.rest.request('PATCH', `${base}/${encodeURIComponent(known.name)}`, {
          body: { count: known.count + 1, lastTimestamp: now },
          contentType: 'application/merge-patch+json',
        });
        known.count++;
        this.remember(key, known);
        return;
      } catch (error) {
        // Expired (Events live an hour by default) or deleted: write a new one.
        if ((error as { status?: number }).status !== 404) throw error;
      }
    }
    const name = `${about.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    await this.rest.request('POST', base, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: about.namespace },
        involvedObject: about,
        type: note.type,
        reason: note.reason,
        message: note.message,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    this.remember(key, { name, count: 1 });
  }

  private remember(key: string, written: Written): void {
    this.written.delete(key);
    this.written.set(key, written);
    if (this.written.size > REMEMBERED) this.written.delete(this.written.keys().next().value as string);
  }
}
