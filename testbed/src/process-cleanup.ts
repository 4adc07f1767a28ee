// Clean-ups that must happen even when a test fails before it could call `close()`: they run
// synchronously when the process exits, or is interrupted or terminated (signals skip 'exit').
// One listener per event serves them all, so starting many servers never trips Node's
// max-listeners warning. Also: killing a child's whole process group.
import type { ChildProcess } from 'node:child_process';

const cleanups = new Set<() => void>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let listening = false;

/** Registers a synchronous clean-up for process exit; call the returned function to drop it. */
export function cleanUpOnExit(cleanup: () => void): () => void {
  if (!listening) {
    process.on('exit', runCleanups);
    for (const signal of signals) process.on(signal, onSignal);
    listening = true;
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: one failed clean-up must not stop the others.
    }
  }
  cleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  for (const name of signals) process.off(name, onSignal);
  listening = false;
  // Die of the signal as if we had never listened, unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Kills a child started with `detached: true` together with everything it started. */
export function killProcessGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Kills a child's process group and resolves once the child has exited. */
export function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    killProcessGroup(child);
  });
}
