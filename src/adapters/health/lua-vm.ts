import { LUA_REGISTRYINDEX, type LuaEngine, LuaEventMasks, LuaFactory, LuaLibraries } from 'wasmoon';
import type { LuaValueOutcome } from '../../core/actions/catalog.ts';
import type { LuaHealthOutcome } from '../../core/health/lua-contract.ts';
import { luaPrelude } from './lua-prelude.ts';

/** The bounds of one script run. */
export interface LuaLimits {
  /** Lua VM instructions one run may execute. */
  instructions: number;
  /** Bytes one run may allocate on top of what the VM holds before it (object included). */
  memoryBytes: number;
  /** Wall-clock time of one run, checked by the instruction hook. */
  timeoutMs: number;
  /** Largest object handed to a script, as JSON bytes; Kubernetes objects stay under 1.5 MiB. */
  objectBytes: number;
}

export const defaultLuaLimits: LuaLimits = Object.freeze({
  instructions: 2_000_000,
  memoryBytes: 32 * 1024 * 1024,
  timeoutMs: 1000,
  objectBytes: 4 * 1024 * 1024,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The exports of wasmoon's WebAssembly module this file calls directly. */
interface WasmExports {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _lua_pushnil(L: number): void;
  _lua_pushboolean(L: number, value: number): void;
  _lua_pushinteger(L: number, value: bigint): void;
  _lua_pushnumber(L: number, value: number): void;
  _lua_pushlstring(L: number, pointer: number, length: number): number;
  _lua_createtable(L: number, sequence: number, fields: number): void;
  _lua_rawseti(L: number, index: number, n: bigint): void;
  _lua_rawset(L: number, index: number): void;
  _lua_rawget(L: number, index: number): number;
  _lua_rawgeti(L: number, index: number, n: bigint): number;
  _lua_settop(L: number, index: number): void;
  _lua_type(L: number, index: number): number;
  _lua_tonumberx(L: number, index: number, isnum: number): number;
  _lua_tolstring(L: number, index: number, length: number): number;
  _lua_sethook(L: number, hook: number, mask: number, count: number): void;
  _lua_pcallk(L: number, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  _lua_gettop(L: number): number;
  _lua_absindex(L: number, index: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_next(L: number, index: number): number;
  _lua_toboolean(L: number, index: number): number;
  _lua_isinteger(L: number, index: number): number;
  _lua_tointegerx(L: number, index: number, isnum: number): bigint;
}

const LUA_OK = 0;
const LUA_TNIL = 0;
const LUA_TBOOLEAN = 1;
const LUA_TNUMBER = 3;
const LUA_TSTRING = 4;
const LUA_TTABLE = 5;
const LUA_ERRMEM = 4;
/** Bounds of a value read back from Lua: nesting, and parts in all. */
const maxReadDepth = 64;
const maxReadValues = 1_000_000;
/** Instructions between two calls of the hook: cheap enough, and a loop never runs long unseen. */
const hookPeriod = 10_000;

/**
 * One Lua 5.4 state (wasmoon: the reference C implementation compiled to WebAssembly) that runs
 * health scripts under three bounds, none of which a script can lift:
 * - an instruction budget, by a count hook set from outside Lua (there is no debug library to
 *   remove it). Once exhausted, the hook fires on every instruction, so a script that catches
 *   the error with pcall raises it again at its next instruction, up to the top;
 * - a memory cap, by wasmoon's counting allocator: an allocation past it fails and Lua raises
 *   "not enough memory", which a pcall may catch but cannot get around;
 * - a deadline, checked by the same hook and by the allocator.
 * A C function that runs long without Lua instructions (a pathological string pattern) is out
 * of the hook's reach: the worker that owns this VM is killed for it (lua-runtime.ts).
 */
export class LuaVm {
  private readonly engine: LuaEngine;
  private readonly runRef: number;
  private readonly hook: number;
  private readonly limits: LuaLimits;
  private budget = 0;
  private deadline = 0;
  private exhausted: 'instructions' | 'time' | undefined;
  private readonly api: WasmExports;
  private scratch = 0;
  private scratchSize = 0;

  static async create(limits: LuaLimits = defaultLuaLimits): Promise<LuaVm> {
    const engine = await new LuaFactory().createEngine({
      openStandardLibs: false,
      injectObjects: false,
      enableProxy: false,
      traceAllocations: true,
    });
    return new LuaVm(engine, limits);
  }

  private constructor(engine: LuaEngine, limits: LuaLimits) {
    this.engine = engine;
    this.limits = limits;
    this.api = engine.global.lua.module as unknown as WasmExports;
    const global = engine.global;
    for (const library of [
      LuaLibraries.Base,
      LuaLibraries.Table,
      LuaLibraries.String,
      LuaLibraries.Math,
      LuaLibraries.UTF8,
      LuaLibraries.OS,
      LuaLibraries.Debug,
    ]) {
      global.loadLibrary(library);
    }
    const lua = global.lua;
    const L = global.address;
    global.loadString(luaPrelude, 'tiphys-prelude');
    global.assertOk(lua.lua_pcallk(L, 0, 1, 0, 0, null));
    this.runRef = lua.luaL_ref(L, LUA_REGISTRYINDEX);
    this.hook = lua.module.addFunction((state: number) => this.onHook(state), 'vii');
    this.checkDeadlineOnAllocation();
  }

  /**
   * wasmoon's allocator reads memoryStats.memoryMax before every allocation that grows; making
   * it a getter checks the deadline there too. A loop that does heavy C work per instruction
   * (pcall(string.rep, …) retried) allocates all the time, so it meets the deadline soon after
   * it passes even when the hook is thousands of slow instructions away.
   */
  private checkDeadlineOnAllocation(): void {
    const stats = (this.engine.global as unknown as { memoryStats?: { memoryMax?: number } }).memoryStats;
    if (stats === undefined)
      throw new Error('wasmoon without allocation tracking: the memory cap cannot hold');
    let max = stats.memoryMax;
    Object.defineProperty(stats, 'memoryMax', {
      get: () => {
        if (max !== undefined && this.exhausted === undefined && Date.now() > this.deadline)
          this.exhausted = 'time';
        // Once stopped, every growing allocation fails, so the run ends quickly.
        return max !== undefined && this.exhausted !== undefined ? 1 : max;
      },
      set: (value: number | undefined) => {
        max = value;
      },
    });
  }

  private onHook(state: number): void {
    const lua = this.engine.global.lua;
    if (this.exhausted === undefined) {
      this.budget -= hookPeriod;
      if (this.budget <= 0) this.exhausted = 'instructions';
      else if (Date.now() > this.deadline) this.exhausted = 'time';
      else return;
    }
    // From now on every instruction raises: a pcall that catches this gets nowhere.
    lua.lua_sethook(state, this.hook, LuaEventMasks.Count, 1);
    lua.lua_pushstring(state, 'health script stopped');
    lua.lua_error(state);
  }

  /** Runs the script with `obj` as its global; compiled once per distinct source. */
  run(script: string, obj: unknown, name: string): LuaHealthOutcome {
    return this.call(script, obj, name, undefined, (L) => this.outcome(L));
  }

  /**
   * Runs the script (an action's discovery.lua or action.lua) with `obj` and the extra globals,
   * and hands back the whole value it returned as JSON data: tables with keys 1..n are lists,
   * other tables maps (an empty table is an empty map). Functions and other Lua-only values are
   * an error, as are tables nested deeper than 64 levels (a table that contains itself).
   */
  evaluate(script: string, obj: unknown, name: string, globals?: Record<string, unknown>): LuaValueOutcome {
    return this.call(script, obj, name, globals ?? null, (L) => {
      try {
        return { ok: true, value: this.read(L, this.api._lua_gettop(L), 0, { left: maxReadValues }) };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    });
  }

  private call<T extends { ok: boolean }>(
    script: string,
    obj: unknown,
    name: string,
    globals: Record<string, unknown> | null | undefined,
    answer: (L: number) => T | { ok: false; error: string },
  ): T | { ok: false; error: string } {
    const json = JSON.stringify(obj) ?? 'null';
    if (json.length > this.limits.objectBytes) {
      return { ok: false, error: `the object is larger than ${this.limits.objectBytes} bytes` };
    }
    const global = this.engine.global;
    const api = this.api;
    const L = global.address;
    api._lua_settop(L, 0);
    global.setMemoryMax(undefined);
    api._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.runRef));
    this.pushString(L, script);
    this.pushString(L, name);
    this.push(L, obj);
    // Collect between runs once the VM holds more than half of a run's allowance.
    api._lua_pushnumber(L, this.limits.memoryBytes / 2048);
    this.push(L, globals);
    global.setMemoryMax(global.getMemoryUsed() + this.limits.memoryBytes);
    this.budget = this.limits.instructions;
    this.deadline = Date.now() + this.limits.timeoutMs;
    this.exhausted = undefined;
    api._lua_sethook(L, this.hook, LuaEventMasks.Count, hookPeriod);
    let status: number;
    try {
      status = api._lua_pcallk(L, 5, 1, 0, 0, 0);
    } finally {
      api._lua_sethook(L, 0, 0, 0);
      global.setMemoryMax(undefined);
    }
    try {
      if (status !== LUA_OK) return { ok: false, error: this.errorMessage(L, status) };
      return answer(L);
    } finally {
      api._lua_settop(L, 0);
    }
  }

  /** The Lua value at the index as JSON data (see evaluate); reads raw, no metamethod runs. */
  private read(L: number, index: number, depth: number, count: { left: number }): unknown {
    const api = this.api;
    if (--count.left < 0) throw new Error(`the returned value has more than ${maxReadValues} parts`);
    const type = api._lua_type(L, index);
    if (type === LUA_TNIL || type < 0) return null;
    if (type === LUA_TBOOLEAN) return api._lua_toboolean(L, index) !== 0;
    if (type === LUA_TSTRING) return this.readString(L, index);
    if (type === LUA_TNUMBER) {
      if (api._lua_isinteger(L, index) !== 0) return Number(api._lua_tointegerx(L, index, 0));
      const value = api._lua_tonumberx(L, index, 0);
      if (!Number.isFinite(value)) throw new Error('the returned value holds a number that is not finite');
      return value;
    }
    if (type !== LUA_TTABLE) {
      throw new Error(
        `the returned value holds a ${this.engine.global.lua.lua_typename(L, type)}, which is not data`,
      );
    }
    if (depth >= maxReadDepth)
      throw new Error(`the returned value nests tables deeper than ${maxReadDepth} levels`);
    const table = api._lua_absindex(L, index);
    api._lua_checkstack(L, 4);
    const map: Record<string, unknown> = {};
    const list: unknown[] = [];
    let integers = 0;
    let strings = 0;
    api._lua_pushnil(L);
    while (api._lua_next(L, table) !== 0) {
      // Key at -2, value at -1. The key is never converted in place (lua_next needs it as it is).
      const keyType = api._lua_type(L, -2);
      const value = this.read(L, -1, depth + 1, count);
      if (keyType === LUA_TSTRING) {
        map[this.readString(L, -2)] = value;
        strings++;
      } else if (keyType === LUA_TNUMBER && api._lua_isinteger(L, -2) !== 0) {
        list[Number(api._lua_tointegerx(L, -2, 0)) - 1] = value;
        integers++;
      } else {
        api._lua_settop(L, -3);
        throw new Error('the returned value has a table key that is neither a string nor a whole number');
      }
      api._lua_settop(L, -2);
    }
    if (integers === 0) return map;
    const sequence = list.length === integers && !list.some((_, i) => !(i in list));
    if (strings > 0 || !sequence) {
      throw new Error('the returned value has a table that mixes a list with other keys');
    }
    return list;
  }

  /** Bytes the Lua state holds now (compiled scripts, garbage not yet collected). */
  memoryUsed(): number {
    return this.engine.global.getMemoryUsed();
  }

  close(): void {
    if (this.scratch !== 0) this.api._free(this.scratch);
    this.scratch = 0;
    this.engine.global.close();
  }

  private errorMessage(L: number, status: number): string {
    if (this.exhausted === 'instructions') {
      return `stopped after ${this.limits.instructions} instructions (the budget of one run)`;
    }
    if (this.exhausted === 'time')
      return `stopped after ${this.limits.timeoutMs} ms (the time limit of one run)`;
    if (status === LUA_ERRMEM) {
      return `not enough memory: a run may allocate ${this.limits.memoryBytes} bytes`;
    }
    const lua = this.engine.global.lua;
    if (this.api._lua_type(L, -1) === LUA_TSTRING) return this.readString(L, -1);
    return String(lua.luaL_tolstring(L, -1, null));
  }

  private outcome(L: number): LuaHealthOutcome {
    const type = this.api._lua_type(L, -1);
    const returned = type < 0 ? 'nil' : this.engine.global.lua.lua_typename(L, type);
    if (type !== LUA_TTABLE) return { ok: true, returned };
    return { ok: true, returned, status: this.field(L, 'status'), message: this.field(L, 'message') };
  }

  /** A field of the returned table, read raw (no metamethod of the script's runs here). */
  private field(L: number, key: string): unknown {
    const api = this.api;
    this.pushString(L, key);
    const type = api._lua_rawget(L, -2);
    let value: unknown;
    if (type === LUA_TSTRING) value = this.readString(L, -1);
    else if (type === LUA_TNUMBER) value = api._lua_tonumberx(L, -1, 0);
    else if (type === LUA_TNIL) value = undefined;
    else value = { luaType: this.engine.global.lua.lua_typename(L, type) };
    api._lua_settop(L, -2);
    return value;
  }

  /** The string at the index, whatever bytes it holds (a Lua string may contain NULs). */
  private readString(L: number, index: number): string {
    const api = this.api;
    const lengthAt = api._malloc(4);
    try {
      const pointer = api._lua_tolstring(L, index, lengthAt);
      const length = new DataView(api.HEAPU8.buffer).getUint32(lengthAt, true);
      return decoder.decode(api.HEAPU8.subarray(pointer, pointer + length));
    } finally {
      api._free(lengthAt);
    }
  }

  /**
   * Pushes a JSON value as Argo CD's VM would see it: objects as tables, arrays as sequences
   * from 1, null as nil, whole numbers as integers (so tostring(3) is "3", as in gopher-lua).
   * Calls the WebAssembly exports directly: wasmoon's ccall wrappers cost more than the Lua
   * work of a whole health script.
   */
  private push(L: number, value: unknown): void {
    const api = this.api;
    if (value === null || value === undefined) api._lua_pushnil(L);
    else if (typeof value === 'string') this.pushString(L, value);
    else if (typeof value === 'boolean') api._lua_pushboolean(L, value ? 1 : 0);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) api._lua_pushinteger(L, BigInt(value));
      else api._lua_pushnumber(L, value);
    } else if (Array.isArray(value)) {
      api._lua_createtable(L, value.length, 0);
      for (let index = 0; index < value.length; index++) {
        this.push(L, value[index]);
        api._lua_rawseti(L, -2, BigInt(index + 1));
      }
    } else if (typeof value === 'object') {
      const entries = Object.entries(value);
      api._lua_createtable(L, 0, entries.length);
      for (const [key, item] of entries) {
        this.pushString(L, key);
        this.push(L, item);
        api._lua_rawset(L, -3);
      }
    } else api._lua_pushnil(L);
  }

  /** UTF-8 into a scratch buffer in the VM's memory, then lua_pushlstring copies it. */
  private pushString(L: number, text: string): void {
    const api = this.api;
    const needed = text.length * 3;
    if (needed > this.scratchSize) {
      if (this.scratch !== 0) api._free(this.scratch);
      this.scratchSize = Math.max(needed, 4096);
      this.scratch = api._malloc(this.scratchSize);
    }
    const { written } = encoder.encodeInto(
      text,
      api.HEAPU8.subarray(this.scratch, this.scratch + this.scratchSize),
    );
    api._lua_pushlstring(L, this.scratch, written);
  }
}
