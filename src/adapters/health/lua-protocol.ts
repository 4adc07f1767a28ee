// The messages between a LuaHealthRuntime and its worker thread.
import type { MessagePort } from 'node:worker_threads';
import type { LuaLimits } from './lua-limits.ts';

export interface WorkerSetup {
  port: MessagePort;
  limits: LuaLimits;
}

/** The worker's first message: its VM started, or why not. */
export type WorkerReady = { ready: true } | { ready: false; error: string };

export interface LuaRequest {
  script: string;
  name: string;
  obj: unknown;
  /** `value`: hand back the whole returned value (actions); default: a health outcome. */
  mode?: 'health' | 'value';
  globals?: Record<string, unknown>;
}

export interface LuaAnswer {
  id: number;
  /** The outcome; `broken` when the VM itself failed (the runtime then starts a new worker). */
  answer: { ok: boolean; error?: string; broken?: boolean };
}
