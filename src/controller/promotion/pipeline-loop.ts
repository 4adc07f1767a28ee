// The promotion loop: while this replica leads, every Pipeline is reconciled on a short timer (a
// soak or a Job needs time to pass, not an event) and at once when one of its Applications
// changes sync or health. Pipelines are few and a reconcile without work reads only caches, so a
// list per tick is cheap; one pipeline at a time, so two ticks never write the same Git branch.
import { tiphysPath } from '../../adapters/control-plane/paths.ts';
import type { Pipeline } from '../../core/model/pipeline.ts';
import { errorMessage } from '../log.ts';
import { type PipelineReconcileDeps, reconcilePipeline } from './reconcile-pipeline.ts';

export const PIPELINE_INTERVAL_MS = 3_000;

export class PipelineLoop {
  readonly #deps: PipelineReconcileDeps;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(deps: PipelineReconcileDeps, intervalMs = PIPELINE_INTERVAL_MS) {
    this.#deps = deps;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.poke(), this.#intervalMs);
    this.poke();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#running;
  }

  /** Reconcile every pipeline soon (coalesced: one pass runs at a time, one more is queued). */
  poke(): void {
    if (!this.#timer) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again && this.#timer) {
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
      if (!this.#timer) return;
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
