// A test process that dies before it stops its real node (an interrupt, a runner's time-out)
// still removes it: the cluster registered a synchronous tear-down for its exit. The child here
// starts a real-node cluster with a running Pod, prints the node, and is sent SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { pidAlive } from '../component.ts';
import { type NodeIdentity, nodeLeftovers, type RuncContainer } from './node-teardown.ts';

const child = join(import.meta.dirname, 'testdata', 'start-and-wait.ts');

test('a test process interrupted before stopping its cluster leaves no container or network behind', async () => {
  const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const report = await new Promise<{
    node: NodeIdentity;
    containers: RuncContainer[];
    controlPlane: number[];
  }>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    proc.once('exit', (code) => reject(new Error(`the child exited (${code}) before reporting: ${out}`)));
  });
  assert.ok(report.containers.length >= 2, `containers: ${report.containers.length}`);
  assert.equal((await nodeLeftovers(report.node)).netns.length, 1);

  proc.kill('SIGTERM');
  await exited;

  assert.deepEqual(await nodeLeftovers(report.node), {
    processes: [],
    containers: [],
    mounts: [],
    netns: [],
    interfaces: [],
    routes: [],
  });
  // A killed process of the child may stay a zombie for a moment; pidAlive counts it as gone.
  for (const { id, pid } of report.containers)
    assert.ok(!pidAlive(pid), `container ${id} (pid ${pid}) still runs`);
  for (const pid of report.controlPlane) assert.ok(!pidAlive(pid), `control-plane process ${pid} still runs`);
});
