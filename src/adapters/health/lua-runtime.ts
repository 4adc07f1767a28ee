import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { LuaValueOutcome, LuaValueRunner } from '../../core/actions/catalog.ts';
import type { LuaHealthRunner } from '../../core/health/assessor.ts';
import type { LuaHealthOutcome } from '../../core/health/lua-contract.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { FAILED, FLAG, IDLE, type LuaRequest, READY, REQUEST, RESPONSE, STARTED } from './lua-protocol.ts';
import { defaultLuaLimits, type LuaLimits } from './lua-vm.ts';

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

interface Running {
  worker: Worker;
  port: MessagePort;
  flags: Int32Array;
}

/**
 * Lua health scripts run in a worker thread, called synchronously (the health assessor is a
 * plain function): the request goes through a MessagePort, the caller sleeps on a shared flag
 * until the answer or the hard timeout, and a worker that overran is terminated and replaced
 * by a new one on the next run. A script can therefore cost at most hardTimeoutMs of the
 * caller's time and never its memory (the VM's heap lives in the worker).
 */
export class LuaHealthRuntime implements LuaHealthRunner, LuaValueRunner {
  private readonly limits: LuaLimits;
  private readonly hardTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private current: Running | undefined;
  /** Workers terminated after a hard timeout: a test can observe that it happened. */
  restarts = 0;

  constructor(options: LuaRuntimeOptions = {}) {
    this.limits = { ...defaultLuaLimits, ...options.limits };
    this.hardTimeoutMs = options.hardTimeoutMs ?? this.limits.timeoutMs * 2 + 500;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  run(script: string, obj: KubeObject, name: string): LuaHealthOutcome {
    return this.request<LuaHealthOutcome>({ script, name, obj });
  }

  /** Runs an action script (discovery.lua, action.lua) and hands back the value it returned. */
  evaluate(
    script: string,
    obj: KubeObject,
    name: string,
    globals?: Record<string, unknown>,
  ): LuaValueOutcome {
    return this.request<LuaValueOutcome>({ script, name, obj, mode: 'value', globals });
  }

  private request<T extends { ok: boolean }>(request: LuaRequest): T | { ok: false; error: string } {
    let running: Running;
    try {
      running = this.current ?? this.start();
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    const { flags, port } = running;
    port.postMessage(request);
    Atomics.store(flags, FLAG, REQUEST);
    Atomics.notify(flags, FLAG);
    Atomics.wait(flags, FLAG, REQUEST, this.hardTimeoutMs);
    if (Atomics.load(flags, FLAG) !== RESPONSE) {
      this.stop();
      this.restarts += 1;
      return { ok: false, error: `stopped after ${this.hardTimeoutMs} ms: the script kept the Lua VM busy` };
    }
    const answer = receiveMessageOnPort(port)?.message as
      | (T & { broken?: boolean; error?: string })
      | undefined;
    Atomics.store(flags, FLAG, IDLE);
    if (answer === undefined) return { ok: false, error: 'the Lua VM gave no answer' };
    if (answer.broken) this.stop();
    return answer.ok ? answer : { ok: false, error: answer.error ?? 'the Lua VM failed' };
  }

  /** Terminates the worker; a later run starts a new one. */
  close(): void {
    this.stop();
  }

  private start(): Running {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./lua-worker.ts', import.meta.url), {
      workerData: { flags, port: port2, limits: this.limits },
      transferList: [port2],
      // The VM's heap is WebAssembly memory, capped by limits.memoryBytes; this bounds the
      // worker's JavaScript heap as well, so not even a bug can let it take the process's.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    worker.unref();
    // A worker that dies reports through its flags (or not at all); an 'error' event with no
    // listener would crash the process.
    worker.on('error', () => {});
    Atomics.wait(flags, READY, 0, this.startTimeoutMs);
    const ready = Atomics.load(flags, READY);
    if (ready !== STARTED) {
      const reason =
        ready === FAILED ? (receiveMessageOnPort(port1)?.message as { error?: string })?.error : undefined;
      void worker.terminate();
      port1.close();
      throw new Error(reason ?? `the Lua VM did not start within ${this.startTimeoutMs} ms`);
    }
    this.current = { worker, port: port1, flags };
    return this.current;
  }

  private stop(): void {
    if (this.current === undefined) return;
    void this.current.worker.terminate();
    this.current.port.close();
    this.current = undefined;
  }
}
