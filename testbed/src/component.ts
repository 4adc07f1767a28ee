import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanUpOnExit } from './process-cleanup.ts';

/** The control plane's processes. */
export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';
/** The processes of a real node; `forward-<port>` makes a host loopback port reachable in it. */
export type NodeComponentName = 'containerd' | 'kubelet' | 'kube-proxy' | 'coredns' | `forward-${number}`;
/** Every process the testbed starts. */
export type ProcessName = ComponentName | NodeComponentName | 'registry';

export interface ComponentSpec {
  name: ProcessName;
  command: string;
  args: string[];
  logFile: string;
  /** Variables added to the environment the process inherits. */
  env?: Record<string, string>;
}

/**
 * One process of a testbed cluster. It runs in its own process group (detached) so that a
 * cluster started by `npm run testbed -- up` outlives the command; a cluster started by a test is
 * stopped by the test, or at the latest when the test process exits.
 */
export class Component {
  readonly spec: ComponentSpec;
  pid: number | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(spec: ComponentSpec, pid?: number) {
    this.spec = spec;
    this.pid = pid;
  }

  get name(): ProcessName {
    return this.spec.name;
  }

  start(options: { keepAlive: boolean }): void {
    if (this.isRunning()) return;
    const log = openSync(this.spec.logFile, 'a');
    try {
      const child = spawn(this.spec.command, this.spec.args, {
        detached: true,
        stdio: ['ignore', log, log],
        env: this.spec.env ? { ...process.env, ...this.spec.env } : process.env,
      });
      if (child.pid === undefined) throw new Error(`could not start ${this.spec.command}`);
      this.child = child;
      this.pid = child.pid;
      this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
      child.once('error', () => {});
      if (options.keepAlive) child.unref();
      liveComponents.add(this);
    } finally {
      closeSync(log);
    }
  }

  isRunning(): boolean {
    if (this.pid === undefined) return false;
    if (this.child) return this.child.exitCode === null && this.child.signalCode === null;
    return pidAlive(this.pid);
  }

  /** Stops gracefully (SIGTERM), escalating to SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.isRunning()) return this.forget();
    this.signal('SIGTERM');
    if (!(await this.waitForExit(graceMs))) {
      this.signal('SIGKILL');
      await this.waitForExit(5_000);
    }
    this.forget();
  }

  /** Kills at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    if (!this.isRunning()) return this.forget();
    this.signal('SIGKILL');
    await this.waitForExit(5_000);
    this.forget();
  }

  killSync(): void {
    if (this.isRunning()) this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      // The negative pid addresses the whole process group the component leads.
      process.kill(-this.pid, signal);
    } catch {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
    }
  }

  private async waitForExit(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (this.exited) {
      const timer = sleep(timeoutMs).then(() => 'timeout' as const);
      return (await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'exited';
    }
    while (Date.now() < deadline) {
      if (!this.isRunning()) return true;
      await sleep(100);
    }
    return !this.isRunning();
  }

  private forget(): void {
    liveComponents.delete(this);
    this.child = undefined;
    this.exited = undefined;
    this.pid = undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A component of a cluster started by another process (the CLI's `up`) is no child of ours:
  // once it exits it stays a zombie until PID 1 reaps it, which can take seconds. It is gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

// Components started by this process that were not meant to outlive it are killed when it exits,
// even when a test failed before its clean-up ran.
const liveComponents = new Set<Component>();
const ownedByThisProcess = new WeakSet<Component>();
export function ownComponent(component: Component): void {
  ownedByThisProcess.add(component);
}
// On exit and on SIGINT/SIGTERM/SIGHUP alike (a runner that times a test out sends a signal,
// and a process dying of one emits no 'exit').
cleanUpOnExit(() => {
  for (const component of liveComponents) if (ownedByThisProcess.has(component)) component.killSync();
});
