// The Lua sandbox, tested as an attacker would use it: each script tries to escape or exhaust
// the VM, and must end as an error (Unknown) while the process goes on serving other scripts.
// Real parts: the wasmoon VM in its worker thread, as the controller and the CLI run it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

const healthIn = (runtime: LuaHealthRuntime, script: string) =>
  healthFromLua(runtime.run(script, obj, 'attack.lua'));
const health = (script: string) => healthIn(budgeted, script);

/** The process is fine: the same VM (no worker was replaced) still answers a normal script. */
function stillServes(runtime: LuaHealthRuntime): void {
  assert.deepEqual(healthIn(runtime, 'return { status = "Healthy", message = obj.metadata.name }'), {
    status: 'Healthy',
    message: 'w',
  });
  assert.equal(runtime.restarts, 0);
}

function refused(script: string, reason: RegExp, runtime = budgeted): void {
  const result = healthIn(runtime, script);
  assert.equal(result?.status, 'Unknown', JSON.stringify(result));
  assert.match(result.message, reason);
  stillServes(runtime);
}

describe("Argo CD's contract", () => {
  test('the object is the global obj; numbers, nulls and lists read as in Argo CD', () => {
    assert.deepEqual(
      health(`return { status = "Healthy", message = table.concat({
        obj.status.conditions[1].message, tostring(obj.spec.parts), tostring(obj.spec.ratio),
        tostring(obj.spec.tags[2]), tostring(#obj.metadata), obj.kind }, ",") }`),
      { status: 'Healthy', message: 'all parts in place,3,0.5,nil,0,Widget' },
    );
  });

  test('hs = {} with fields set, and require("os") for the safe os functions, work unchanged', () => {
    assert.deepEqual(
      health(
        'local os = require("os")\nhs = {}\nhs.status = "Suspended"\nhs.message = type(os.time())\nreturn hs',
      ),
      { status: 'Suspended', message: 'number' },
    );
  });

  test('a syntax error or a runtime error is Unknown with the line', () => {
    refused('return {', /attack\.lua:1: unexpected symbol near <eof>/);
    refused(
      'return obj.status.missing.field',
      /attack\.lua:1: attempt to index a nil value \(field 'missing'\)/,
    );
  });

  test('globals a script sets do not leak into the next run', () => {
    assert.equal(health('leaked = "yes"; return { status = "Healthy" }')?.status, 'Healthy');
    assert.equal(health('return { status = "Healthy", message = tostring(leaked) }')?.message, 'nil');
  });
});

describe('attacks', () => {
  test('os.execute, io.open, io.popen do not exist', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'tiphys-lua-')), 'pwned');
    after(() => rmSync(join(marker, '..'), { recursive: true, force: true }));
    refused(`os.execute("touch ${marker}")`, /attempt to call a nil value \(field 'execute'\)/);
    refused('return io.open("/etc/passwd"):read("a")', /attempt to index a nil value \(global 'io'\)/);
    refused(`io.popen("touch ${marker}")`, /global 'io'/);
    assert.equal(existsSync(marker), false);
  });

  test('require, dofile, loadfile and the debug library are out of reach', () => {
    refused('local io = require("io")', /module 'io' is not available in health scripts/);
    refused('require("ffi")', /module 'ffi' is not available/);
    refused('dofile("/etc/passwd")', /global 'dofile'/);
    refused('loadfile("/etc/passwd")()', /global 'loadfile'/);
    refused('debug.sethook()', /global 'debug'/);
    refused('collectgarbage("stop")', /global 'collectgarbage'/);
  });

  test('bytecode can neither be made nor loaded', () => {
    refused('return load(string.dump(function() end))', /field 'dump'/);
    refused('local f = assert(load("\\27Lua\\x54\\0", "x", "b")); f()', /attempt to load a binary chunk/);
  });

  test('the libraries and the string metatable cannot be changed for the next script', () => {
    refused('string.upper = function() return "owned" end', /cannot change the string library/);
    refused('rawset(string, "upper", nil)', /cannot change a library/);
    refused('setmetatable(string, {})', /protected metatable/);
    assert.equal(
      health('return { status = "Healthy", message = tostring(getmetatable("")) }')?.message,
      'false',
    );
    assert.equal(health('return { status = "Healthy", message = ("ok"):upper() }')?.message, 'OK');
  });

  test('a __gc finaliser, which runs with hooks off, cannot be installed', () => {
    refused(
      'setmetatable({}, { __gc = function() while true do end end })',
      /__gc metamethods are not allowed/,
    );
  });

  test('a string.rep bomb hits the memory cap; retried under pcall for ever, the time limit', () => {
    refused('local s = string.rep("x", 1e9)', /not enough memory: a run may allocate 8388608 bytes/, capped);
    refused(
      'local keep = {} for i = 1, 1e9 do local ok, s = pcall(string.rep, "x", 1e6) keep[i] = s end',
      /stopped after 300 ms \(the time limit of one run\)/,
      timed,
    );
  });

  test('a table that grows without bound is stopped by the memory cap', () => {
    refused('local t = {} local i = 0 while true do i = i + 1 t[i] = i end', /not enough memory/, capped);
    refused('local t = {} while true do t[#t + 1] = {} end', /not enough memory/, capped);
  });

  test('an infinite loop, even inside pcall and xpcall, is stopped by the instruction budget', () => {
    refused('while true do end', /stopped after 200000 instructions/);
    refused('while true do pcall(function() while true do end end) end', /stopped after 200000 instructions/);
    refused(
      'local ok = pcall(function() while true do end end) return { status = "Healthy", message = "escaped" }',
      /stopped after 200000 instructions/,
    );
    refused(
      'while true do xpcall(function() while true do end end, function(e) return e end) end',
      /stopped after 200000 instructions/,
    );
  });

  test('deep recursion ends in an error, also through pcall and metamethods', () => {
    refused(
      'local function f(n) return f(n + 1) + 1 end return f(1)',
      /not enough memory|stack overflow/,
      capped,
    );
    refused(
      'local function f() return pcall(f) end while true do f() end',
      /stopped after 200000 instructions/,
    );
    refused(
      'local t = setmetatable({}, { __index = function(t, k) return t[k] end }) return t.x',
      /stack overflow/,
      capped,
    );
  });
});

describe('the hard timeout', () => {
  test('a pattern that backtracks for ever inside one C call is stopped by terminating the worker', () => {
    const quick = new LuaHealthRuntime({ limits: { timeoutMs: 100 }, hardTimeoutMs: 1500 });
    after(() => quick.close());
    // Start the worker first, so the timeout measures the script and not the VM's start.
    assert.equal(
      healthFromLua(quick.run('return { status = "Healthy" }', obj, 'warm.lua'))?.status,
      'Healthy',
    );
    const result = healthFromLua(
      quick.run('return string.find(string.rep("a", 40), string.rep("a*", 12) .. "b")', obj, 'pattern.lua'),
    );
    assert.equal(result?.status, 'Unknown');
    assert.match(result?.message ?? '', /stopped after 1500 ms: the script kept the Lua VM busy/);
    assert.equal(quick.restarts, 1);
    // A new worker takes over.
    assert.equal(
      healthFromLua(quick.run('return { status = "Degraded" }', obj, 'after.lua'))?.status,
      'Degraded',
    );
  });
});
