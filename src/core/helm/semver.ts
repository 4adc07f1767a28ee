// Semantic versions and the ranges Helm accepts in `version:` (pure): exact versions, `^`, `~`,
// comparisons, `x`/`*` wildcards, hyphen ranges, space-separated AND and `||` OR. A chart's
// version is picked from what a repository lists, so an unparsable entry is skipped, never fatal.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  text: string;
}

const versionPattern =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?$/;

export function parseVersion(text: string): SemVer | undefined {
  const match = versionPattern.exec(text.trim());
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ? match[4].split('.') : [],
    text,
  };
}

export function compareVersions(a: SemVer, b: SemVer): number {
  for (const field of ['major', 'minor', 'patch'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  // A pre-release sorts before its release.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length === 0 ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : undefined;
    const ny = /^\d+$/.test(y) ? Number(y) : undefined;
    if (nx !== undefined && ny !== undefined) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (nx !== undefined) return -1;
    else if (ny !== undefined) return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

type Bound = { op: '<' | '<=' | '>' | '>=' | '='; version: SemVer };

export class InvalidRangeError extends Error {
  override name = 'InvalidRangeError';
  readonly terminal = true;
}

/** A partial version (`1`, `1.2`, `1.x`, `*`): the fields given, undefined for wildcards. */
function partial(text: string): { parts: (number | undefined)[]; prerelease: string[] } | undefined {
  const match =
    /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z-.]+))?(?:\+[0-9A-Za-z-.]+)?$/.exec(
      text,
    );
  if (!match) return undefined;
  const field = (value: string | undefined) =>
    value === undefined || /^[xX*]$/.test(value) ? undefined : Number(value);
  const parts = [field(match[1]), field(match[2]), field(match[3])];
  // `1.x.3` means `1.x`: nothing counts after the first wildcard.
  const firstWild = parts.indexOf(undefined);
  if (firstWild !== -1) for (let i = firstWild; i < 3; i++) parts[i] = undefined;
  return { parts, prerelease: match[4] ? match[4].split('.') : [] };
}

const v = (major: number, minor: number, patch: number, prerelease: string[] = []): SemVer => ({
  major,
  minor,
  patch,
  prerelease,
  text: `${major}.${minor}.${patch}`,
});

function comparatorBounds(op: string, text: string, whole: string): Bound[] {
  const p = partial(text);
  if (!p)
    throw new InvalidRangeError(
      `version range ${JSON.stringify(whole)}: ${JSON.stringify(text)} is not a version`,
    );
  const [major, minor, patch] = p.parts;
  if (major === undefined) return op === '<' || op === '>' ? [{ op: '<', version: v(0, 0, 0) }] : [];
  const low = v(major, minor ?? 0, patch ?? 0, p.prerelease);
  const next =
    minor === undefined ? v(major + 1, 0, 0) : patch === undefined ? v(major, minor + 1, 0) : undefined;
  switch (op) {
    case '^': {
      const upper =
        major > 0 || minor === undefined
          ? v(major + 1, 0, 0)
          : minor > 0 || patch === undefined
            ? v(0, minor + 1, 0)
            : v(0, 0, (patch ?? 0) + 1);
      return [
        { op: '>=', version: low },
        { op: '<', version: upper },
      ];
    }
    case '~':
      return [
        { op: '>=', version: low },
        { op: '<', version: minor === undefined ? v(major + 1, 0, 0) : v(major, minor + 1, 0) },
      ];
    case '>':
      return [{ op: next ? '>=' : '>', version: next ?? low }];
    case '<=':
      return [{ op: next ? '<' : '<=', version: next ?? low }];
    case '<':
    case '>=':
      return [{ op, version: low }];
    default:
      return next
        ? [
            { op: '>=', version: low },
            { op: '<', version: next },
          ]
        : [{ op: '=', version: low }];
  }
}

/** The OR of AND-ed bounds a range text means. */
export function parseRange(range: string): Bound[][] {
  const alternatives = range.split('||').map((part) => part.trim());
  return alternatives.map((alternative) => {
    if (alternative === '') return [];
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(alternative);
    if (hyphen)
      return [...comparatorBounds('>=', hyphen[1], range), ...comparatorBounds('<=', hyphen[2], range)];
    // `>= 1.2` and `>=1.2` alike, and commas as Helm allows.
    const tokens = alternative
      .replace(/,/g, ' ')
      .replace(/(<=|>=|[<>=^~])\s+/g, '$1')
      .split(/\s+/);
    return tokens.flatMap((token) => {
      const match = /^(<=|>=|[<>=^~]|~>)?(.*)$/.exec(token) as RegExpExecArray;
      const op = match[1] === '~>' ? '~' : (match[1] ?? '=');
      return comparatorBounds(op, match[2], range);
    });
  });
}

function within(version: SemVer, bounds: Bound[]): boolean {
  return bounds.every(({ op, version: bound }) => {
    const c = compareVersions(version, bound);
    return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : c === 0;
  });
}

/**
 * Whether a version is in a range. As in Helm (Masterminds/semver), a pre-release is only
 * matched by a range that names a pre-release of the same major.minor.patch.
 */
export function satisfies(version: SemVer, range: Bound[][]): boolean {
  return range.some((bounds) => {
    if (!within(version, bounds)) return false;
    if (version.prerelease.length === 0) return true;
    return bounds.some(
      (b) =>
        b.version.prerelease.length > 0 &&
        b.version.major === version.major &&
        b.version.minor === version.minor &&
        b.version.patch === version.patch,
    );
  });
}

/** The highest of `versions` the range allows, or undefined. */
export function maxSatisfying(versions: readonly string[], range: string): string | undefined {
  const parsed = parseRange(range);
  let best: SemVer | undefined;
  for (const text of versions) {
    const version = parseVersion(text);
    if (!version || !satisfies(version, parsed)) continue;
    if (!best || compareVersions(version, best) > 0) best = version;
  }
  return best?.text;
}
