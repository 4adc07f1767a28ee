// Glob matching that costs at most (value length × pattern length) steps, whatever the pattern.
// Patterns come from tenants (an Application's include/exclude, an AppProject's lists, RBAC
// policies); a backtracking regular expression built from `*a*a*a*…b` takes exponential time and
// `{1..100000}` expands to a hundred thousand patterns, either of which would stall every other
// Application served by the same process. Here a pattern is compiled to a list of tokens and the
// value is walked once, carrying the set of pattern positions still possible (a Thompson NFA).

/** A pattern the matcher refuses; terminal, since the same pattern fails the same way every time. */
export class GlobError extends Error {
  override name = 'GlobError';
  readonly terminal = true;
  readonly pattern: string;
  constructor(pattern: string, reason: string) {
    const shown = pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern;
    super(`glob pattern ${JSON.stringify(shown)}: ${reason}`);
    this.pattern = pattern;
  }
}

export const maxGlobLength = 1024;
/** Alternatives a braced pattern may expand to (`{a,b}{c,d}` is four). */
export const maxBraceAlternatives = 64;

type Token =
  | { kind: 'char'; char: string }
  /** `?`: one character (not `/` in a path glob). */
  | { kind: 'one' }
  /** `*`: any run of characters (not `/` in a path glob). */
  | { kind: 'star' }
  /** `**`: any run of characters, `/` included. */
  | { kind: 'globstar' }
  /** `**​/` at the start of a segment: nothing, or any run that ends with `/`. */
  | { kind: 'dirs' }
  | { kind: 'class'; negated: boolean; ranges: [string, string][] };

type Program = { tokens: Token[]; slashIsSpecial: boolean };

// Token kinds as small integers, so the inner loop compares numbers.
const CHAR = 0;
const ONE = 1;
const STAR = 2;
const GLOBSTAR = 3;
const DIRS = 4;
const CLASS = 5;
const kindCodes = { char: CHAR, one: ONE, star: STAR, globstar: GLOBSTAR, dirs: DIRS, class: CLASS } as const;
const SLASH = 47;
const QUESTION = 63;

function checkLength(pattern: string): void {
  if (pattern.length > maxGlobLength)
    throw new GlobError(pattern, `is longer than ${maxGlobLength} characters`);
}

/**
 * Argo CD's globs for names and URLs (AppProject source repositories and destinations, RBAC
 * objects): `*` matches any run of characters, `/` included, `?` one character; nothing else is
 * special.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  checkLength(pattern);
  const parts = pattern.split('*');
  const first = parts[0];
  if (parts.length === 1) return value.length === first.length && segmentAt(first, value, 0);
  // `*` crosses everything, so the leftmost place each piece fits is as good as any other: one
  // pass over the value, no backtracking.
  const last = parts[parts.length - 1];
  const end = value.length - last.length;
  if (end < first.length || !segmentAt(first, value, 0) || !segmentAt(last, value, end)) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i];
    if (part === '') continue;
    const found = findSegment(part, value, at, end);
    if (found === -1) return false;
    at = found + part.length;
  }
  return true;
}

/** Whether `segment` (where `?` is any one character) is found in `value` at `at`. */
function segmentAt(segment: string, value: string, at: number): boolean {
  for (let i = 0; i < segment.length; i++) {
    const char = segment.charCodeAt(i);
    if (char !== QUESTION && char !== value.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The first place from `from` where the segment fits and ends by `end`, or -1. */
function findSegment(segment: string, value: string, from: number, end: number): number {
  if (!segment.includes('?')) {
    const found = value.indexOf(segment, from);
    return found === -1 || found + segment.length > end ? -1 : found;
  }
  for (let at = from; at + segment.length <= end; at++) if (segmentAt(segment, value, at)) return at;
  return -1;
}

/** A compiled path glob: call it with a path relative to the folder the pattern is written for. */
export type PathMatcher = (path: string) => boolean;

/**
 * File globs (an Application's directory `include`/`exclude`): `*` and `?` stay within one
 * folder, `**` crosses folders, `{a,b}` lists alternatives (no `{1..9}` ranges), `[a-z]` and
 * `[!a-z]` are classes, `\` escapes. Throws GlobError for a pattern it refuses.
 */
export function compilePathGlob(pattern: string): PathMatcher {
  checkLength(pattern);
  const programs = expandBraces(pattern).map((alternative) => ({
    tokens: tokenizePath(pattern, alternative),
    slashIsSpecial: true,
  }));
  return (path) => programs.some((program) => run(program, path));
}

export function pathGlobMatch(pattern: string, path: string): boolean {
  return compilePathGlob(pattern)(path);
}

/** Brace lists, expanded; nesting is allowed, the total count is bounded. */
function expandBraces(pattern: string): string[] {
  const open = findUnescaped(pattern, '{', 0);
  if (open === -1) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (char === '{') depth++;
    else if (char === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (char === ',' && depth === 1) commas.push(i);
  }
  if (close === -1) throw new GlobError(pattern, "has an unclosed '{'");
  const body = pattern.slice(open + 1, close);
  if (commas.length === 0 && /^[^,]*\.\.[^,]*$/.test(body)) {
    throw new GlobError(pattern, 'brace ranges like {1..9} are not supported; list the names: {a,b}');
  }
  const bounds = [open, ...commas, close];
  const options: string[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) options.push(pattern.slice(bounds[i] + 1, bounds[i + 1]));
  const prefix = pattern.slice(0, open);
  const rest = expandBraces(pattern.slice(close + 1));
  const result: string[] = [];
  for (const option of options) {
    for (const inner of expandBraces(option)) {
      for (const tail of rest) {
        result.push(`${prefix}${inner}${tail}`);
        if (result.length > maxBraceAlternatives) {
          throw new GlobError(pattern, `expands to more than ${maxBraceAlternatives} alternatives`);
        }
      }
    }
  }
  return result;
}

function findUnescaped(text: string, wanted: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === wanted) return i;
  }
  return -1;
}

function tokenizePath(pattern: string, alternative: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < alternative.length; i++) {
    const char = alternative[i];
    if (char === '\\' && i + 1 < alternative.length) {
      tokens.push({ kind: 'char', char: alternative[++i] });
    } else if (char === '*') {
      let end = i;
      while (alternative[end + 1] === '*') end++;
      const atSegmentStart = i === 0 || alternative[i - 1] === '/';
      if (end > i && atSegmentStart && alternative[end + 1] === '/') {
        tokens.push({ kind: 'dirs' });
        end++;
      } else if (end > i) tokens.push({ kind: 'globstar' });
      else tokens.push({ kind: 'star' });
      i = end;
    } else if (char === '?') tokens.push({ kind: 'one' });
    else if (char === '[') {
      const close = alternative.indexOf(']', i + 2);
      if (close === -1) throw new GlobError(pattern, "has an unclosed '['");
      tokens.push(parseClass(alternative.slice(i + 1, close)));
      i = close;
    } else tokens.push({ kind: 'char', char });
  }
  return tokens;
}

function parseClass(body: string): Token {
  const negated = body.startsWith('!') || body.startsWith('^');
  const chars = (negated ? body.slice(1) : body).split('');
  const ranges: [string, string][] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      ranges.push([chars[i], chars[i + 2]]);
      i += 2;
    } else ranges.push([chars[i], chars[i]]);
  }
  return { kind: 'class', negated, ranges };
}

/**
 * Walks the value once. `states[i]` says the first i tokens can have matched the value read so
 * far; each character moves every live state at most one token on.
 */
function run(program: Program, value: string): boolean {
  const { tokens, slashIsSpecial } = program;
  const count = tokens.length;
  const kinds = new Uint8Array(count);
  const chars = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const token = tokens[i];
    kinds[i] = kindCodes[token.kind];
    if (token.kind === 'char') chars[i] = token.char.charCodeAt(0);
  }
  let states = new Uint8Array(count + 1);
  let next = new Uint8Array(count + 1);
  states[0] = 1;
  closeOverEmpty(kinds, states);
  for (let at = 0; at < value.length; at++) {
    const code = value.charCodeAt(at);
    const isSlash = slashIsSpecial && code === SLASH;
    next.fill(0);
    let alive = false;
    for (let i = 0; i < count; i++) {
      if (states[i] === 0) continue;
      switch (kinds[i]) {
        case CHAR:
          if (chars[i] === code) next[i + 1] = 1;
          break;
        case ONE:
          if (!isSlash) next[i + 1] = 1;
          break;
        case STAR:
          if (!isSlash) next[i] = 1;
          break;
        case GLOBSTAR:
          next[i] = 1;
          break;
        case DIRS:
          next[i] = 1;
          if (code === SLASH) next[i + 1] = 1;
          break;
        default: {
          const token = tokens[i] as Extract<Token, { kind: 'class' }>;
          if (!isSlash && classMatches(token, value[at]) !== token.negated) next[i + 1] = 1;
        }
      }
    }
    closeOverEmpty(kinds, next);
    for (let i = 0; i <= count; i++) {
      if (next[i] === 1) {
        alive = true;
        break;
      }
    }
    if (!alive) return false;
    const swap = states;
    states = next;
    next = swap;
  }
  return states[count] === 1;
}

/** Star-like tokens may match nothing: a live state before one is live after it too. */
function closeOverEmpty(kinds: Uint8Array, states: Uint8Array): void {
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    if (states[i] === 1 && (kind === STAR || kind === GLOBSTAR || kind === DIRS)) states[i + 1] = 1;
  }
}

function classMatches(token: Extract<Token, { kind: 'class' }>, char: string): boolean {
  return token.ranges.some(([low, high]) => char >= low && char <= high);
}
