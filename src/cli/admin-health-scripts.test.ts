// `tiphys admin health --scripts DIR -f FILE` and `tiphys admin health test DIR`, with real Lua
// scripts run by the real VM (in its worker thread).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { HealthRow } from './admin-health.ts';
import { registerAdminHealthCommand } from './admin-health.ts';

const scripts = fileURLToPath(new URL('../adapters/health/testdata/scripts', import.meta.url));

async function run(
  t: TestContext,
  args: string[],
): Promise<{ out: string[]; err: string[]; error?: unknown }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, 'log', (...values: unknown[]) => out.push(values.join(' ')));
  t.mock.method(console, 'error', (...values: unknown[]) => err.push(values.join(' ')));
  const admin = new Command('admin')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerAdminHealthCommand(admin);
  try {
    await admin.parseAsync(['health', ...args], { from: 'user' });
    return { out, err };
  } catch (error) {
    return { out, err, error };
  }
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-health-scripts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--scripts: a kind with a script is judged by it, wildcards included; other kinds by the built-in checks', async (t) => {
  const file = join(tempDir(t), 'objects.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: partial}\nspec: {parts: 3}\nstatus: {parts: 1}\n',
      'apiVersion: block.storage.example.org/v1\nkind: Volume\nmetadata: {name: data}\nstatus: {phase: Lost}\n',
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {suspend: true}\n',
    ].join('---\n'),
  );
  const { out, error } = await run(t, ['--scripts', scripts, '-f', file, '-o', 'json']);
  assert.equal(error, undefined);
  const rows = JSON.parse(out[0]) as HealthRow[];
  assert.deepEqual(
    rows.map((row) => [row.kind, row.status, row.message]),
    [
      ['Widget', 'Progressing', 'Waiting for parts: 1 of 3'],
      ['Volume', 'Degraded', 'Phase Lost'],
      ['Job', 'Suspended', 'Job is suspended'],
    ],
  );
});

test('--scripts: a script that fails makes its object Unknown with the error; the others are still assessed', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'objects.yaml'),
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  );
  const folder = join(dir, 'scripts', 'example.com', 'Widget');
  cpSync(join(scripts, 'example.com', 'Widget'), folder, { recursive: true });
  writeFileSync(join(folder, 'health.lua'), 'while true do pcall(function() while true do end end) end');
  const { out, error } = await run(t, [
    '--scripts',
    join(dir, 'scripts'),
    '-f',
    join(dir, 'objects.yaml'),
    '-o',
    'json',
  ]);
  assert.equal(error, undefined);
  const rows = JSON.parse(out[0]) as HealthRow[];
  assert.equal(rows.length, 2);
  assert.equal(rows[0].status, 'Unknown');
  assert.match(rows[0].message, /^Lua health script failed: stopped after/);
  assert.deepEqual([rows[1].kind, rows[1].status], ['ConfigMap', 'Healthy']);
});

test('--scripts on a folder without health.lua, or a file in the wrong place, is an error naming it', async (t) => {
  const dir = tempDir(t);
  const empty = await run(t, ['--scripts', dir, '-f', join(scripts, 'example.com/Widget/testdata/new.yaml')]);
  assert.ok(empty.error instanceof CommanderError);
  assert.match(empty.err.join('\n'), /no <group>\/<kind>\/health\.lua found/);
  writeFileSync(join(dir, 'health.lua'), 'return nil');
  const misplaced = await run(t, [
    '--scripts',
    dir,
    '-f',
    join(scripts, 'example.com/Widget/testdata/new.yaml'),
  ]);
  assert.match(misplaced.err.join('\n'), /health\.lua: expected <group>\/<kind>\/health\.lua/);
});

test('health test DIR: PASS per case and a count, exit 0', async (t) => {
  const { out, error } = await run(t, ['test', scripts]);
  assert.equal(error, undefined);
  assert.deepEqual(out.slice(0, 2), [
    'PASS  _.storage.example.org/_/testdata/bound.yaml  Healthy ""',
    'PASS  _.storage.example.org/_/testdata/lost.yaml  Degraded "Phase Lost"',
  ]);
  assert.equal(out.filter((line) => line.startsWith('PASS')).length, 6);
  assert.equal(out.at(-1), '6 passed, 0 failed');
});

test('health test DIR: a wrong expectation, a missing input and a bad test file each FAIL with the reason; exit 1', async (t) => {
  const dir = tempDir(t);
  cpSync(scripts, dir, { recursive: true });
  const widget = join(dir, 'example.com', 'Widget');
  writeFileSync(
    join(widget, 'health_test.yaml'),
    [
      'tests:',
      '- {healthStatus: {status: Healthy, message: 3 of 3 parts in place}, inputPath: testdata/healthy.yaml}',
      '- {healthStatus: {status: Healthy, message: done}, inputPath: testdata/progressing.yaml}',
      '- {healthStatus: {status: Healthy}, inputPath: testdata/absent.yaml}',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, '_.storage.example.org', '_', 'health_test.yaml'),
    'tests:\n- {healthStatus: {status: Fine}, inputPath: x.yaml}\n',
  );
  const { out, err, error } = await run(t, ['test', dir]);
  assert.ok(error instanceof CommanderError);
  assert.equal(error.exitCode, 1);
  assert.match(
    out[0],
    /^FAIL {2}_\.storage\.example\.org\/_\/health_test\.yaml {2}.*tests\[0\]: healthStatus\.status must be one of/,
  );
  assert.equal(out[1], 'PASS  example.com/Widget/testdata/healthy.yaml  Healthy "3 of 3 parts in place"');
  assert.equal(
    out[2],
    'FAIL  example.com/Widget/testdata/progressing.yaml  expected Healthy "done", got Progressing "Waiting for parts: 1 of 3"',
  );
  assert.match(out[3], /^FAIL {2}example\.com\/Widget\/testdata\/absent\.yaml {2}cannot read .*absent\.yaml/);
  assert.equal(out[4], '1 passed, 3 failed');
  assert.deepEqual(err, ['error: 3 of 4 health test cases failed']);
});
