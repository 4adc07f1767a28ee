// Fans Pipeline changes out to the live-update streams. The watch behind them starts with the
// first stream (a server nobody watches pipelines on keeps no extra watch open) and runs until
// the server closes: starting and stopping it per browser tab would list all pipelines each time.
import type { Pipeline } from '../core/model/pipeline.ts';

export type PipelineEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface PipelineEvent {
  type: PipelineEventType;
  /** On DELETED, the last state known (its project decides who may see the event). */
  pipeline: Pipeline;
}
export type PipelineEventListener = (event: PipelineEvent) => void;

/** What the hub needs of a watch on the Pipelines of the control namespace. */
export interface PipelineSource {
  onChange(callback: PipelineEventListener): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class PipelineEventHub {
  private readonly listeners = new Set<PipelineEventListener>();
  private started: Promise<void> | undefined;
  private readonly source: PipelineSource;
  private readonly log: (line: string) => void;

  constructor(source: PipelineSource, log: (line: string) => void) {
    this.source = source;
    this.log = log;
    source.onChange((event) => {
      for (const listener of this.listeners) listener(event);
    });
  }

  /** Adds a listener (starting the watch if it is the first); returns what removes it. */
  subscribe(listener: PipelineEventListener): () => void {
    this.listeners.add(listener);
    this.started ??= this.source.start().catch((error: unknown) => {
      // The watch retries by itself; a stream simply sees no events until it does.
      this.log(`pipeline watch: ${error instanceof Error ? error.message : String(error)}`);
    });
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  async stop(): Promise<void> {
    if (this.started) await this.source.stop();
  }
}
