// The Lua sandbox, tested as an attacker would use it: each script tries to escape or exhaust
// the VM, and must end as an error (Unknown) while the process goes on serving other scripts.
// Real parts: the wasmoon VM in its worker thread, as the controller and the CLI run it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { healthFromLua } from '../../core/health/lua-contract.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { LuaHealthRuntime } from './lua-runtime.ts';

const obj: KubeObject = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'shop', generation: 3 },
  spec: { parts: 3, ratio: 0.5, tags: ['a', null, 'c'] },
  status: { conditions: [{ type: 'Ready', status: 'True', message: 'all parts in place' }] },
};

/**
 * Runtimes with generous limits except the one a test is about, so that the right bound is
 * what stops each attack: instructions, memory, or time.
 */
const MiB = 1024 * 1024;
const budgeted = new LuaHealthRuntime({
  limits: { instructions: 200_000, memoryBytes: 64 * MiB, timeoutMs: 60_000 },
  hardTimeoutMs: 120_000,
});
const capped = new LuaHealthRuntime({
  limits: { instructions: 1e12, memoryBytes: 8 * MiB, timeoutMs: 60_000 },
  hardTimeoutMs: 120_000,
});
const timed = new LuaHealthRuntime({
  limits: { instructions: 1e12, memoryBytes: 8 * MiB, timeoutMs: 300 },
  hardTimeoutMs: 120_000,
});
after(() => {
  for (const runtime of [budgeted, capped, timed]) runtime.close();
});

const healthIn = async (runtime: LuaHealthRuntime, script: string) =>
  healthFromLua(await runtime.run(script, obj, 'attack.lua'));
const health = (script: string) => healthIn(budgeted, script);

/** The process is fine: the same VM (no worker was replaced) still answers a normal script. */
async function stillServes(runtime: LuaHealthRuntime): Promise<void> {
  assert.deepEqual(await healthIn(runtime, 'return { status = "Healthy", message = obj.metadata.name }'), {
    status: 'Healthy',
    message: 'w',
  });
  assert.equal(runtime.restarts, 0);
}

async function refused(script: string, reason: RegExp, runtime = budgeted): Promise<void> {
  const result = await healthIn(runtime, script);
  assert.equal(result?.status, 'Unknown', JSON.stringify(result));
  assert.match(result?.message ?? '', reason);
  await stillServes(runtime);
}

describe("Argo CD's contract", () => {
  test('the object is the global obj; numbers, nulls and lists read as in Argo CD', async () => {
    assert.deepEqual(
      await health(`return { status = "Healthy", message = table.concat({
        obj.status.conditions[1].message, tostring(obj.spec.parts), tostring(obj.spec.ratio),
        tostring(obj.spec.tags[2]), tostring(#obj.metadata), obj.kind }, ",") }`),
      { status: 'Healthy', message: 'all parts in place,3,0.5,nil,0,Widget' },
    );
  });

  test('hs = {} with fields set, and require("os") for the safe os functions, work unchanged', async () => {
    assert.deepEqual(
      await health(
        'local os = require("os")\nhs = {}\nhs.status = "Suspended"\nhs.message = type(os.time())\nreturn hs',
      ),
      { status: 'Suspended', message: 'number' },
    );
  });

  test('a syntax error or a runtime error is Unknown with the line', async () => {
    await refused('return {', /attack\.lua:1: unexpected symbol near <eof>/);
    await refused(
      'return obj.status.missing.field',
      /attack\.lua:1: attempt to index a nil value \(field 'missing'\)/,
    );
  });

  test('globals a script sets do not leak into the next run', async () => {
    assert.equal((await health('leaked = "yes"; return { status = "Healthy" }'))?.status, 'Healthy');
    assert.equal((await health('return { status = "Healthy", message = tostring(leaked) }'))?.message, 'nil');
  });
});

describe('attacks', () => {
  test('os.execute, io.open, io.popen do not exist', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'tiphys-lua-')), 'pwned');
    after(() => rmSync(join(marker, '..'), { recursive: true, force: true }));
    await refused(`os.execute("touch ${marker}")`, /attempt to call a nil value \(field 'execute'\)/);
    await refused('return io.open("/etc/passwd"):read("a")', /attempt to index a nil value \(global 'io'\)/);
    await refused(`io.popen("touch ${marker}")`, /global 'io'/);
    assert.equal(existsSync(marker), false);
  });

  test('require, dofile, loadfile and the debug library are out of reach', async () => {
    await refused('local io = require("io")', /module 'io' is not available in health scripts/);
    await refused('require("ffi")', /module 'ffi' is not available/);
    await refused('dofile("/etc/passwd")', /global 'dofile'/);
    await refused('loadfile("/etc/passwd")()', /global 'loadfile'/);
    await refused('debug.sethook()', /global 'debug'/);
    await refused('collectgarbage("stop")', /global 'collectgarbage'/);
  });

  test('bytecode can neither be made nor loaded', async () => {
    await refused('return load(string.dump(function() end))', /field 'dump'/);
    await refused(
      'local f = assert(load("\\27Lua\\x54\\0", "x", "b")); f()',
      /attempt to load a binary chunk/,
    );
  });

  test('the libraries and the string metatable cannot be changed for the next script', async () => {
    await refused('string.upper = function() return "owned" end', /cannot change the string library/);
    await refused('rawset(string, "upper", nil)', /cannot change a library/);
    await refused('setmetatable(string, {})', /protected metatable/);
    assert.equal(
      (await health('return { status = "Healthy", message = tostring(getmetatable("")) }'))?.message,
      'false',
    );
    assert.equal((await health('return { status = "Healthy", message = ("ok"):upper() }'))?.message, 'OK');
  });

  test('a __gc finaliser, which runs with hooks off, cannot be installed', async () => {
    await refused(
      'setmetatable({}, { __gc = function() while true do end end })',
      /__gc metamethods are not allowed/,
    );
  });

  test('a string.rep bomb hits the memory cap; retried under pcall for ever, the time limit', async () => {
    await refused(
      'local s = string.rep("x", 1e9)',
      /not enough memory: a run may allocate 8388608 bytes/,
      capped,
    );
    await refused(
      'local keep = {} for i = 1, 1e9 do local ok, s = pcall(string.rep, "x", 1e6) keep[i] = s end',
      /stopped after 300 ms \(the time limit of one run\)/,
      timed,
    );
  });

  test('a table that grows without bound is stopped by the memory cap', async () => {
    await refused(
      'local t = {} local i = 0 while true do i = i + 1 t[i] = i end',
      /not enough memory/,
      capped,
    );
    await refused('local t = {} while true do t[#t + 1] = {} end', /not enough memory/, capped);
  });

  test('an infinite loop, even inside pcall and xpcall, is stopped by the instruction budget', async () => {
    await refused('while true do end', /stopped after 200000 instructions/);
    await refused(
      'while true do pcall(function() while true do end end) end',
      /stopped after 200000 instructions/,
    );
    await refused(
      'local ok = pcall(function() while true do end end) return { status = "Healthy", message = "escaped" }',
      /stopped after 200000 instructions/,
    );
    await refused(
      'while true do xpcall(function() while true do end end, function(e) return e end) end',
      /stopped after 200000 instructions/,
    );
  });

  test('deep recursion ends in an error, also through pcall and metamethods', async () => {
    await refused(
      'local function f(n) return f(n + 1) + 1 end return f(1)',
      /not enough memory|stack overflow/,
      capped,
    );
    await refused(
      'local function f() return pcall(f) end while true do f() end',
      /stopped after 200000 instructions/,
    );
    await refused(
      'local t = setmetatable({}, { __index = function(t, k) return t[k] end }) return t.x',
      /stack overflow/,
      capped,
    );
  });
});

describe('the hard timeout', () => {
  test('a pattern that backtracks for ever inside one C call is stopped by terminating the worker', async () => {
    const quick = new LuaHealthRuntime({ limits: { timeoutMs: 100 }, hardTimeoutMs: 1500 });
    after(() => quick.close());
    // Start the worker first, so the timeout measures the script and not the VM's start.
    assert.equal(
      healthFromLua(await quick.run('return { status = "Healthy" }', obj, 'warm.lua'))?.status,
      'Healthy',
    );
    const result = healthFromLua(
      await quick.run(
        'return string.find(string.rep("a", 40), string.rep("a*", 12) .. "b")',
        obj,
        'pattern.lua',
      ),
    );
    assert.equal(result?.status, 'Unknown');
    assert.match(result?.message ?? '', /stopped after 1500 ms: the script kept the Lua VM busy/);
    assert.equal(quick.restarts, 1);
    // A new worker takes over.
    assert.equal(
      healthFromLua(await quick.run('return { status = "Degraded" }', obj, 'after.lua'))?.status,
      'Degraded',
    );
  });
});

describe("the caller's event loop", () => {
  test('an HTTP server of the same process answers while a runaway script is still inside its budget', async () => {
    // Bounds far away: nothing but close() can end this script during the test.
    const runaway = new LuaHealthRuntime({
      limits: { instructions: 1e15, timeoutMs: 600_000 },
      hardTimeoutMs: 1_200_000,
    });
    after(() => runaway.close());
    assert.equal((await healthIn(runaway, 'return { status = "Healthy" }'))?.status, 'Healthy');
    const server = createServer((_req, res) => res.end('still serving'));
    after(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let settled = false;
    const running = runaway.run('while true do end', obj, 'runaway.lua').finally(() => {
      settled = true;
    });
    // The worker has the script (with a VM that blocked its caller, this loop would never end).
    while (!runaway.busy) await new Promise((resolve) => setImmediate(resolve));
    const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    assert.equal(await answer.text(), 'still serving');
    assert.equal(settled, false, 'the answer came while the script was still running');
    // Closing the runtime ends the run with an error, which the health contract makes Unknown.
    runaway.close();
    const result = healthFromLua(await running);
    assert.equal(result?.status, 'Unknown');
    assert.match(result?.message ?? '', /the Lua VM stopped/);
  });
});
