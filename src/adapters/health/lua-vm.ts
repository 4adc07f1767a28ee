import { LUA_REGISTRYINDEX, type LuaEngine, LuaEventMasks, LuaFactory, LuaLibraries } from 'wasmoon';
import type { LuaValueOutcome } from '../../core/actions/catalog.ts';
import type { LuaHealthOutcome } from '../../core/health/lua-contract.ts';
import { defaultLuaLimits, type LuaLimits } from './lua-limits.ts';
import { luaPrelude } from './lua-prelude.ts';
import { LUA_ERRMEM, LUA_OK, LUA_TSTRING, LUA_TTABLE, LuaStack, type WasmExports } from './lua-stack.ts';

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
  /** Values onto the state's stack and back (lua-stack.ts). */
  private readonly stack: LuaStack;

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
    this.stack = new LuaStack(this.api, (L, type) => engine.global.lua.lua_typename(L, type));
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
   * and hands back the whole value it returned as JSON data (LuaStack.readValue says how).
   */
  evaluate(script: string, obj: unknown, name: string, globals?: Record<string, unknown>): LuaValueOutcome {
    return this.call(script, obj, name, globals ?? null, (L) => {
      try {
        return { ok: true, value: this.stack.readValue(L, this.api._lua_gettop(L)) };
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
    this.stack.pushString(L, script);
    this.stack.pushString(L, name);
    this.stack.push(L, obj);
    // Collect between runs once the VM holds more than half of a run's allowance.
    api._lua_pushnumber(L, this.limits.memoryBytes / 2048);
    this.stack.push(L, globals);
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

  /** Bytes the Lua state holds now (compiled scripts, garbage not yet collected). */
  memoryUsed(): number {
    return this.engine.global.getMemoryUsed();
  }

  close(): void {
    this.stack.free();
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
    if (this.api._lua_type(L, -1) === LUA_TSTRING) return this.stack.readString(L, -1);
    return String(lua.luaL_tolstring(L, -1, null));
  }

  private outcome(L: number): LuaHealthOutcome {
    const type = this.api._lua_type(L, -1);
    const returned = type < 0 ? 'nil' : this.engine.global.lua.lua_typename(L, type);
    if (type !== LUA_TTABLE) return { ok: true, returned };
    return {
      ok: true,
      returned,
      status: this.stack.field(L, 'status'),
      message: this.stack.field(L, 'message'),
    };
  }
}
