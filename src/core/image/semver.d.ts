// The part of the `semver` package (7.x, which ships no types) that src/core/image uses.
declare module 'semver' {
  interface SemVerLike {
    version: string;
    prerelease: readonly (string | number)[];
  }
  interface Options {
    loose?: boolean;
    includePrerelease?: boolean;
  }
  function valid(version: string, options?: Options): string | null;
  function parse(version: string, options?: Options): SemVerLike | null;
  function validRange(range: string, options?: Options): string | null;
  function satisfies(version: string, range: string, options?: Options): boolean;
  function rcompare(a: string, b: string, options?: Options): number;
  const semver: {
    valid: typeof valid;
    parse: typeof parse;
    validRange: typeof validRange;
    satisfies: typeof satisfies;
    rcompare: typeof rcompare;
  };
  export default semver;
}
