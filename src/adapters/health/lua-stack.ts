// Values across the boundary of a Lua state: JSON data pushed onto its stack as tables, and the
// value a script returned read back as JSON data. Calls wasmoon's WebAssembly exports directly:
// its ccall wrappers cost more than the Lua work of a whole health script.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The exports of wasmoon's WebAssembly module the VM and this file call directly. */
export interface WasmExports {
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

export const LUA_OK = 0;
const LUA_TNIL = 0;
const LUA_TBOOLEAN = 1;
const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_ERRMEM = 4;
/** Bounds of a value read back from Lua: nesting, and parts in all. */
const maxReadDepth = 64;
const maxReadValues = 1_000_000;

/** Pushes and reads the values of one Lua state; owns a scratch buffer in the VM's memory. */
export class LuaStack {
  readonly api: WasmExports;
  private readonly typename: (L: number, type: number) => string;
  private scratch = 0;
  private scratchSize = 0;

  constructor(api: WasmExports, typename: (L: number, type: number) => string) {
    this.api = api;
    this.typename = typename;
  }

  /**
   * The Lua value at the index as JSON data: tables with keys 1..n are lists, other tables maps
   * (an empty table is an empty map). Functions and other Lua-only values are an error, as are
   * tables nested deeper than 64 levels (a table that contains itself).
   */
  readValue(L: number, index: number): unknown {
    return this.read(L, index, 0, { left: maxReadValues });
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
      throw new Error(`the returned value holds a ${this.typename(L, type)}, which is not data`);
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

  /** A field of the returned table, read raw (no metamethod of the script's runs here). */
  field(L: number, key: string): unknown {
    const api = this.api;
    this.pushString(L, key);
    const type = api._lua_rawget(L, -2);
    let value: unknown;
    if (type === LUA_TSTRING) value = this.readString(L, -1);
    else if (type === LUA_TNUMBER) value = api._lua_tonumberx(L, -1, 0);
    else if (type === LUA_TNIL) value = undefined;
    else value = { luaType: this.typename(L, type) };
    api._lua_settop(L, -2);
    return value;
  }

  /** The string at the index, whatever bytes it holds (a Lua string may contain NULs). */
  readString(L: number, index: number): string {
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
   */
  push(L: number, value: unknown): void {
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
  pushString(L: number, text: string): void {
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

  /** Frees the scratch buffer (the state itself is closed by its owner). */
  free(): void {
    if (this.scratch !== 0) this.api._free(this.scratch);
    this.scratch = 0;
    this.scratchSize = 0;
  }
}
