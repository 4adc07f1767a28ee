// The shared flags and messages between a LuaHealthRuntime and its worker thread.
import type { MessagePort } from 'node:worker_threads';
import type { LuaLimits } from './lua-vm.ts';

export const IDLE = 0;
export const REQUEST = 1;
export const RESPONSE = 2;
/** Index of the request flag and of the readiness flag in the shared Int32Array. */
export const FLAG = 0;
export const READY = 1;
export const STARTED = 1;
export const FAILED = 2;

export interface WorkerSetup {
  flags: Int32Array;
  port: MessagePort;
  limits: LuaLimits;
}

export interface LuaRequest {
  script: string;
  name: string;
  obj: unknown;
  /** `value`: hand back the whole returned value (actions); default: a health outcome. */
  mode?: 'health' | 'value';
  globals?: Record<string, unknown>;
}
