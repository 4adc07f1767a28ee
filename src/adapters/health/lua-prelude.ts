/**
 * Lua run once when the VM starts, before any script, while the whole standard library is
 * still there. It keeps what a health script may use (Argo CD's set: base functions, table,
 * os.time/date/clock, plus string, math and utf8, which Argo CD opens for its own scripts),
 * removes the rest from the state (io, os, debug, package, coroutine, collectgarbage, dofile,
 * loadfile, string.dump), and returns the function that runs one script. Scripts never see
 * this state's globals: each run gets a fresh table of globals, and the libraries behind it are
 * read-only, so no script can change what the next one sees.
 *
 * Why each removal matters: io and os read and write files and run programs; debug could
 * remove the instruction hook; a __gc metamethod runs with hooks off (a loop in one would
 * escape the budget), hence the guarded setmetatable; load accepts only text, never bytecode
 * (crafted bytecode can break the VM's memory safety).
 */
export const luaPrelude = `
local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset, select = select,
  tonumber = tonumber, tostring = tostring, type = type, xpcall = xpcall, _VERSION = _VERSION,
  print = function() end,
}
local rawload, rawsetmetatable, rawgetmetatable, setupvalue = load, setmetatable, getmetatable, debug.setupvalue
local type, error, pairs, rawget, collect = type, error, pairs, rawget, collectgarbage
string.dump = nil
rawgetmetatable('').__metatable = false
local safe_os = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime }
local libs = { string = string, table = table, math = math, utf8 = utf8, os = safe_os }

base.setmetatable = function(t, mt)
  if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then
    error('__gc metamethods are not allowed in health scripts', 2)
  end
  return rawsetmetatable(t, mt)
end
base.getmetatable = rawgetmetatable

local current_env
base.load = function(chunk, name, _mode, env)
  if type(chunk) ~= 'string' then error('load accepts only text chunks in health scripts', 2) end
  return rawload(chunk, name, 't', env or current_env)
end
base.require = function(name)
  if name == 'os' then return current_env.os end
  error("module '" .. tostring(name) .. "' is not available in health scripts", 2)
end

-- Library tables are shared by every run, behind read-only proxies: a script that assigns
-- string.upper = nil gets an error instead of breaking the next script. rawset is guarded for
-- the same reason; the proxies' metatables are locked (__metatable), so setmetatable cannot
-- swap them and getmetatable cannot reach the tables behind them.
local protected = {}
local function read_only(name, lib)
  local proxy = rawsetmetatable({}, {
    __index = lib,
    __newindex = function() error('health scripts cannot change the ' .. name .. ' library', 2) end,
    __metatable = false,
  })
  protected[proxy] = true
  return proxy
end
local shared = {}
for k, v in pairs(base) do shared[k] = v end
for name, lib in pairs(libs) do shared[name] = read_only(name, lib) end
local rawset_ = rawset
shared.rawset = function(t, k, v)
  if protected[t] then error('health scripts cannot change a library', 2) end
  return rawset_(t, k, v)
end
-- Each run's globals: a fresh table reading through to the shared ones. What a script
-- assigns stays in its own table and is gone when the run ends.
local env_meta = { __index = shared, __metatable = false }
local function new_env()
  local env = rawsetmetatable({}, env_meta)
  env._G = env
  return env
end

for _, name in ipairs({ 'io', 'os', 'debug', 'package', 'coroutine', 'collectgarbage', 'dofile',
    'loadfile', 'load', 'require', 'string', 'table', 'math', 'utf8' }) do
  _G[name] = nil
end

local compiled, count = {}, 0
return function(source, name, obj, collect_above_kb, globals)
  if collect('count') > collect_above_kb then collect() end
  local fn = compiled[source]
  if fn == nil then
    local err
    fn, err = rawload(source, '=' .. name, 't')
    if fn == nil then error(err, 0) end
    if count >= 256 then compiled, count = {}, 0 end
    compiled[source], count = fn, count + 1
  end
  local env = new_env()
  env.obj = obj
  -- Extra globals of an action script (actionParams); copied, so the run cannot reach the caller's table.
  if globals ~= nil then for k, v in pairs(globals) do env[k] = v end end
  current_env = env
  setupvalue(fn, 1, env)
  return fn()
end
`;
