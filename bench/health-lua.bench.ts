// Lua health scripts: cases per second with the script compiled once (cached), in process
// (LuaVm) and through the worker the controller uses (LuaHealthRuntime, awaited: the caller's
// event loop is free meanwhile), each as a ratio
// against the floor of Tiphys's own TypeScript check of the same object. Then the memory cap
// against a script that allocates without bound, and a runaway loop inside pcall.
import { readFileSync } from 'node:fs';
import { LuaHealthRuntime } from '../src/adapters/health/lua-runtime.ts';
import { LuaVm } from '../src/adapters/health/lua-vm.ts';
import { assessHealth } from '../src/core/health/index.ts';
import { healthFromLua } from '../src/core/health/lua-contract.ts';
import { parseManifests } from '../src/core/manifest/parse.ts';
import { checkVerdict } from './stats.ts';

const fixture = new URL('../src/core/health/testdata/certificate-degraded-failed.yaml', import.meta.url);
const [certificate] = parseManifests(readFileSync(fixture, 'utf8'), 'certificate');
// The same decision as src/core/health/certificate.ts, written in Lua the way Argo CD users do.
const script = `
local issuing, ready
for _, c in ipairs((obj.status or {}).conditions or {}) do
  if c.type == "Issuing" then issuing = c end
  if c.type == "Ready" then ready = c end
end
if issuing ~= nil and issuing.status == "True" then return { status = "Progressing", message = issuing.message } end
if ready ~= nil and ready.status == "True" then return { status = "Healthy", message = ready.message } end
if ready ~= nil and ready.status == "False" then return { status = "Degraded", message = ready.message } end
return { status = "Progressing", message = "Waiting for the certificate to be issued" }`;

/** Runs per second over a fixed wall time, median of five rounds. */
function rate(run: () => void, rounds = 5, roundMs = 400): number {
  for (let i = 0; i < 200; i++) run();
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < roundMs) {
      run();
      count++;
    }
    rates.push(count / ((performance.now() - start) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

/** The same for a run that answers later (the worker's): one case at a time, each awaited. */
async function rateAsync(run: () => Promise<unknown>, rounds = 5, roundMs = 400): Promise<number> {
  for (let i = 0; i < 200; i++) await run();
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < roundMs) {
      await run();
      count++;
    }
    rates.push(count / ((performance.now() - start) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

const expected = assessHealth(certificate);
const vm = await LuaVm.create();
const inProcess = healthFromLua(vm.run(script, certificate, 'bench.lua'));
if (JSON.stringify(inProcess) !== JSON.stringify(expected))
  throw new Error(`Lua and TypeScript disagree: ${JSON.stringify(inProcess)}`);

const floor = rate(() => assessHealth(certificate));
const luaVm = rate(() => vm.run(script, certificate, 'bench.lua'));
const runtime = new LuaHealthRuntime();
const throughWorker = healthFromLua(await runtime.run(script, certificate, 'bench.lua'));
if (JSON.stringify(throughWorker) !== JSON.stringify(expected))
  throw new Error(`the worker's answer differs: ${JSON.stringify(throughWorker)}`);
const luaWorker = await rateAsync(() => runtime.run(script, certificate, 'bench.lua'));
const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(`TypeScript built-in check (floor)   ${fmt(floor)} cases/s`);
console.log(
  `Lua, in process (LuaVm)             ${fmt(luaVm)} cases/s   ${(floor / luaVm).toFixed(0)}x the floor's time per case`,
);
console.log(
  `Lua, through the worker (controller) ${fmt(luaWorker)} cases/s   ${(floor / luaWorker).toFixed(0)}x the floor's time per case`,
);
console.log('(issue 12 asks for the cases per second and sets no target for them)');

// The memory cap: a table that grows for ever, with instructions and time out of the way.
const capped = await LuaVm.create({
  instructions: 1e12,
  memoryBytes: 16 * 1024 * 1024,
  timeoutMs: 60_000,
  objectBytes: 4 << 20,
});
const before = capped.memoryUsed();
let start = performance.now();
const grow = capped.run(
  'local t = {} local i = 0 while true do i = i + 1 t[i] = { i, tostring(i) } end',
  certificate,
  'grow.lua',
);
console.log(
  `unbounded allocation: ${grow.ok ? 'NOT STOPPED' : grow.error} after ${(performance.now() - start).toFixed(0)} ms; ` +
    `Lua heap before ${fmt(before)} B, after ${fmt(capped.memoryUsed())} B (cap ${fmt(16 * 1024 * 1024)} B per run); ` +
    checkVerdict(!grow.ok && /not enough memory/.test(grow.error), 'the memory cap stops it', 'issue 12'),
);
start = performance.now();
const loop = vm.run('while true do pcall(function() while true do end end) end', certificate, 'loop.lua');
console.log(
  `while true inside pcall: ${loop.ok ? 'NOT STOPPED' : loop.error} after ${(performance.now() - start).toFixed(0)} ms; ` +
    checkVerdict(!loop.ok, 'stopped (a script cannot stall the controller)', 'docs/health.md'),
);
const after = healthFromLua(vm.run(script, certificate, 'bench.lua'));
console.log(`the same VM afterwards: ${after?.status} (${after?.message.slice(0, 40)}…)`);
runtime.close();
vm.close();
capped.close();
