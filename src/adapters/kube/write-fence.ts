// The write fence (docs/fleet.md "Sharding"): work done on behalf of something this process may
// stop holding (an Application whose cluster belongs to a replica's shard) runs inside a fence,
// and every write a fenced client sends from inside it asks the fence first. A replica that lost
// its Lease, or the cluster, while a reconcile was in flight (a long GC pause, SIGSTOP, a
// partition) finds out at its next write and sends nothing, instead of writing on beside the
// replica that took over. Reads are never fenced.
import { AsyncLocalStorage } from 'node:async_hooks';

/** Says why a write may not be sent now, or undefined when it may. */
export type FenceCheck = () => string | undefined;

const fences = new AsyncLocalStorage<FenceCheck>();

/** A write refused by the fence: nothing was sent. */
export class FencedWriteError extends Error {
  override name = 'FencedWriteError';
}

/** Runs `work` with its writes (and those of everything it starts) checked by `check`. */
export function runFenced<T>(check: FenceCheck, work: () => Promise<T>): Promise<T> {
  return fences.run(check, work);
}

/** Throws when the fence around the current work refuses writes; a no-op outside any fence. */
export function assertWriteAllowed(what: string): void {
  const refusal = fences.getStore()?.();
  if (refusal) throw new FencedWriteError(`${what} not sent: ${refusal}`);
}

/** Whether an error (or one of its causes) is a fenced write. */
export function isFencedWrite(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof FencedWriteError) return true;
  return false;
}
