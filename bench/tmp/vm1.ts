import { LuaVm } from '../../src/adapters/health/lua-vm.ts';
const vm = await LuaVm.create({ instructions: 10_000_000, memoryBytes: 16 * 1024 * 1024, timeoutMs: 2000, objectBytes: 4 << 20 });
const obj = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', generation: 3 }, spec: { replicas: 3, ratio: 0.5, list: [1, null, 3] }, status: { conditions: [{ type: 'Ready', status: 'True', message: 'ok' }] } };
const cases: Array<[string, string]> = [
  ['ok', 'hs = {}; hs.status = "Healthy"; hs.message = obj.status.conditions[1].message .. " " .. tostring(obj.spec.replicas) .. " " .. tostring(obj.spec.ratio) .. " " .. #obj.spec.list; return hs'],
  ['nil', 'return nil'],
  ['number', 'return 3'],
  ['os.execute', 'os.execute("touch /tmp/hh/pwned"); return {status="Healthy"}'],
  ['io.open', 'local f = io.open("/etc/passwd"); return {status="Healthy", message=f:read("a")}'],
  ['require', 'local x = require("io"); return {status="Healthy"}'],
  ['require os', 'local os = require("os"); return {status="Healthy", message=type(os.time())}'],
  ['load bytecode', 'return load(string.dump(function() end))'],
  ['load binary mode', 'local f = load("\\27Lua", "x", "b"); return {status="Healthy", message=tostring(f)}'],
  ['rep bomb', 'local s = string.rep("x", 1e9); return {status="Healthy"}'],
  ['loop', 'while true do end'],
  ['loop pcall', 'while true do pcall(function() while true do end end) end'],
  ['loop xpcall', 'while true do xpcall(function() while true do end end, function(e) return e end) end'],
  ['recursion', 'local function f(n) return f(n + 1) + 1 end return f(1)'],
  ['recursion pcall', 'local function f() return pcall(f) end while true do f() end'],
  ['gc loop', 'setmetatable({}, {__gc = function() while true do end end}); return {status="Healthy"}'],
  ['getmetatable string', 'local mt = getmetatable(""); return {status="Healthy", message=tostring(mt)}'],
  ['global pollution', 'string.upper = nil; x_global = 1; return {status="Healthy"}'],
  ['after pollution', 'return {status="Healthy", message=string.upper("ok") .. tostring(x_global)}'],
  ['debug', 'debug.sethook(); return {status="Healthy"}'],
  ['collectgarbage', 'collectgarbage("stop"); return {status="Healthy"}'],
  ['syntax', 'return {'],
  ['invalid status', 'return {status="Fine"}'],
  ['ok again', 'return {status="Healthy", message="fine"}'],
];
for (const [name, src] of cases) {
  const t0 = performance.now();
  const out = vm.run(src, obj, name);
  console.log(name.padEnd(20), JSON.stringify(out).slice(0, 150), (performance.now() - t0).toFixed(1) + 'ms', vm.memoryUsed());
}
