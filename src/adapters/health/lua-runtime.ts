import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { LuaValueOutcome, LuaValueRunner } from '../../core/actions/catalog.ts';
import type { LuaHealthRunner } from '../../core/health/assessor.ts';
import type { LuaHealthOutcome } from '../../core/health/lua-contract.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { defaultLuaLimits, type LuaLimits } from './lua-limits.ts';
import type { LuaAnswer, LuaRequest, WorkerReady } from './lua-protocol.ts';

export interface LuaRuntimeOptions {
  limits?: Partial<LuaLimits>;
  /**
   * Wall-clock time after which the worker running a script is terminated, for what the
   * instruction hook cannot see (a C function such as a pathological string.find). Longer
   * than limits.timeoutMs, which the VM enforces itself without losing its compiled scripts.
   */
  hardTimeoutMs?: number;
  /** Time the first run may wait for a new worker's VM to start. */
  startTimeoutMs?: number;
}

type Failure = { ok: false; error: string };
type Answer = LuaAnswer['answer'];

interface Running {
  worker: Worker;
  port: MessagePort;
  /** Requests sent and not answered, by id. */
  pending: Map<number, (answer: Answer) => void>;
}

/**
 * Lua health and action scripts run in a worker thread; a run is a promise, and the caller's
 * event loop goes on while the script runs (an API server answers other requests, a controller
 * reconciles other apps). Runs are sent one at a time (the VM runs one script at a time); a run
 * that outlives hardTimeoutMs has its worker terminated, and the next run starts a new one. A
 * script can therefore cost its caller neither its event loop nor its memory (the VM's heap
 * lives in the worker).
 */
export class LuaHealthRuntime implements LuaHealthRunner, LuaValueRunner {
  private readonly limits: LuaLimits;
  private readonly hardTimeoutMs: number;
  private readonly startTimeoutMs: number;
  /** The worker, starting or started; `started` is the same once it answered. */
  private current: Promise<Running> | undefined;
  private started: Running | undefined;
  /** The end of the last run queued: the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  /** Workers terminated after a hard timeout: a test can observe that it happened. */
  restarts = 0;
  /** A script was handed to the worker and has not answered yet (tests observe it). */
  busy = false;

  constructor(options: LuaRuntimeOptions = {}) {
    this.limits = { ...defaultLuaLimits, ...options.limits };
    this.hardTimeoutMs = options.hardTimeoutMs ?? this.limits.timeoutMs * 2 + 500;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  run(script: string, obj: KubeObject, name: string): Promise<LuaHealthOutcome> {
    return this.queue({ script, name, obj }) as Promise<LuaHealthOutcome>;
  }

  /** Runs an action script (discovery.lua, action.lua) and hands back the value it returned. */
  evaluate(
    script: string,
    obj: KubeObject,
    name: string,
    globals?: Record<string, unknown>,
  ): Promise<LuaValueOutcome> {
    return this.queue({ script, name, obj, mode: 'value', globals }) as Promise<LuaValueOutcome>;
  }

  /** Terminates the worker (a run in progress ends with an error); a later run starts a new one. */
  close(): void {
    const current = this.current;
    this.current = undefined;
    this.started = undefined;
    void current?.then(
      (running) => this.stop(running),
      () => {},
    );
  }

  private queue(request: LuaRequest): Promise<Answer | Failure> {
    const run = this.tail.then(() => this.send(request));
    this.tail = run;
    return run;
  }

  private async send(request: LuaRequest): Promise<Answer | Failure> {
    let running: Running;
    try {
      running = await this.worker();
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    const id = ++this.nextId;
    const answer = await new Promise<Answer | undefined>((resolve) => {
      // A referenced timer: the process stays alive while a run is awaited (the worker and
      // its port are not referenced, so an idle VM never keeps a command from exiting).
      const timer = setTimeout(() => {
        running.pending.delete(id);
        resolve(undefined);
      }, this.hardTimeoutMs);
      running.pending.set(id, (value) => {
        clearTimeout(timer);
        running.pending.delete(id);
        resolve(value);
      });
      running.port.postMessage({ ...request, id });
      this.busy = true;
    });
    this.busy = false;
    if (answer === undefined) {
      this.stop(running);
      this.restarts += 1;
      return { ok: false, error: `stopped after ${this.hardTimeoutMs} ms: the script kept the Lua VM busy` };
    }
    if (answer.broken) this.stop(running);
    return answer.ok ? answer : { ok: false, error: answer.error ?? 'the Lua VM failed' };
  }

  private worker(): Promise<Running> {
    if (this.current === undefined) {
      const starting = this.start();
      this.current = starting;
      starting.then(
        (running) => {
          if (this.current === starting) this.started = running;
        },
        () => {
          if (this.current === starting) this.current = undefined;
        },
      );
    }
    return this.current;
  }

  private start(): Promise<Running> {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./lua-worker.ts', import.meta.url), {
      workerData: { port: port2, limits: this.limits },
      transferList: [port2],
      // The VM's heap is WebAssembly memory, capped by limits.memoryBytes; this bounds the
      // worker's JavaScript heap as well, so not even a bug can let it take the process's.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    worker.unref();
    // A worker that dies ends the runs waiting on it; an 'error' event with no listener would
    // crash the process.
    worker.on('error', () => {});
    const running: Running = { worker, port: port1, pending: new Map() };
    return new Promise<Running>((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        void worker.terminate();
        port1.close();
        reject(new Error(reason));
      };
      const timer = setTimeout(
        () => fail(`the Lua VM did not start within ${this.startTimeoutMs} ms`),
        this.startTimeoutMs,
      );
      worker.once('exit', () => {
        fail('the Lua VM stopped while starting');
        for (const end of [...running.pending.values()]) end({ ok: false, error: 'the Lua VM stopped' });
        this.forget(running);
      });
      port1.once('message', (ready: WorkerReady) => {
        if (!ready.ready) return fail(ready.error);
        clearTimeout(timer);
        port1.on('message', (message: LuaAnswer) => running.pending.get(message.id)?.(message.answer));
        port1.unref();
        resolve(running);
      });
    });
  }

  /** The worker is gone: the next run starts a new one. */
  private forget(running: Running): void {
    if (this.started !== running) return;
    this.started = undefined;
    this.current = undefined;
  }

  private stop(running: Running): void {
    this.forget(running);
    void running.worker.terminate();
    running.port.close();
  }
}
