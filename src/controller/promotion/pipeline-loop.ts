// The promotion loop: while this replica leads, every Pipeline is reconciled on a short timer (a
// soak or a Job needs time to pass, not an event) and at once when one of its Applications
// changes sync or health. Pipelines are few and a reconcile without work reads only caches, so a
// list per tick is cheap; one pipeline at a time, so two ticks never write the same Git branch.
// With a watch on Pipelines (`presence`), no timer runs and nothing is listed while there is no
// Pipeline: an idle controller without promotions does no periodic work (docs/performance.md).
import type { KindPresence } from '../../adapters/control-plane/kind-watch.ts';
import { tiphysPath } from '../../adapters/control-plane/paths.ts';
import type { Pipeline } from '../../core/model/pipeline.ts';
import { errorMessage } from '../log.ts';
import { type PipelineReconcileDeps, reconcilePipeline } from './reconcile-pipeline.ts';

export const PIPELINE_INTERVAL_MS = 3_000;

export class PipelineLoop {
  readonly #deps: PipelineReconcileDeps;
  readonly #intervalMs: number;
  readonly #presence: KindPresence | undefined;
  #active = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(deps: PipelineReconcileDeps, intervalMs = PIPELINE_INTERVAL_MS, presence?: KindPresence) {
    this.#deps = deps;
    this.#intervalMs = intervalMs;
    this.#presence = presence;
    presence?.onChange(() => this.poke());
  }

  start(): void {
    this.#active = true;
    this.poke();
  }

  async stop(): Promise<void> {
    this.#active = false;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#running;
  }

  /** Whether there may be a Pipeline: without a watch that can be trusted, assume so. */
  #hasWork(): boolean {
    return !this.#presence?.watching || this.#presence.count > 0;
  }

  /** Reconcile every pipeline soon (coalesced: one pass runs at a time, one more is queued). */
  poke(): void {
    if (!this.#active) return;
    // The clock runs only while there are pipelines (a soak needs time to pass, not an event).
    const work = this.#hasWork();
    if (work) this.#timer ??= setInterval(() => this.poke(), this.#intervalMs);
    else {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again && this.#active) {
        this.#again = false;
        this.poke();
      }
    });
  }

  async #pass(): Promise<void> {
    let pipelines: Pipeline[];
    try {
      const list = await this.#deps.rest.request<{ items: Pipeline[] }>(
        'GET',
        tiphysPath(this.#deps.namespace, 'pipelines'),
      );
      pipelines = list.items;
    } catch (error) {
      this.#deps.log.warn({}, `pipelines not listed: ${errorMessage(error)}`);
      return;
    }
    for (const pipeline of pipelines) {
      if (!this.#active) return;
      try {
        await reconcilePipeline(this.#deps, pipeline);
      } catch (error) {
        this.#deps.log.error(
          { pipeline: pipeline.metadata.name },
          `pipeline reconcile failed: ${errorMessage(error)}`,
        );
      }
    }
  }
}
