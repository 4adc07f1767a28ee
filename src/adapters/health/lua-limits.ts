// The bounds every Lua script run (health checks, resource actions) is held to, and their defaults.
/** The bounds of one script run. */
export interface LuaLimits {
  /** Lua VM instructions one run may execute. */
  instructions: number;
  /** Bytes one run may allocate on top of what the VM holds before it (object included). */
  memoryBytes: number;
  /** Wall-clock time of one run, checked by the instruction hook. */
  timeoutMs: number;
  /** Largest object handed to a script, as JSON bytes; Kubernetes objects stay under 1.5 MiB. */
  objectBytes: number;
}

export const defaultLuaLimits: LuaLimits = Object.freeze({
  instructions: 2_000_000,
  memoryBytes: 32 * 1024 * 1024,
  timeoutMs: 1000,
  objectBytes: 4 * 1024 * 1024,
});
