import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePathGlob, GlobError, maxGlobLength, pathGlobMatch, wildcardMatch } from './glob.ts';

test('wildcardMatch: `*` crosses slashes, `?` is one character, nothing else is special', () => {
  const table: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'team-a/app', true],
    ['team-a/*', 'team-a/app/x', true],
    ['team-a/*', 'team-b/app', false],
    ['team-?', 'team-a', true],
    ['team-?', 'team-ab', false],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['{a,b}', 'a', false],
    ['https://git.example.com/*', 'https://git.example.com/org/repo.git', true],
    ['*-prod', 'eu-prod', true],
    ['*-prod', 'eu-prod-2', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['', '', true],
    ['', 'x', false],
  ];
  for (const [pattern, value, expected] of table) {
    assert.equal(wildcardMatch(pattern, value), expected, `${pattern} ~ ${value}`);
  }
});

test('pathGlobMatch: `*` and `?` stay in one folder, `**` crosses, braces list, classes', () => {
  const table: [string, string, boolean][] = [
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', 'sub/a.yaml', false],
    ['sub/*', 'sub/a.yaml', true],
    ['sub/*', 'sub/deeper/e.yaml', false],
    ['sub/**', 'sub/deeper/e.yaml', true],
    ['**/e.yaml', 'e.yaml', true],
    ['**/e.yaml', 'sub/deeper/e.yaml', true],
    ['sub/**/e.yaml', 'sub/e.yaml', true],
    ['sub/**/e.yaml', 'sub/x/y/e.yaml', true],
    ['{a.yaml,c.json}', 'c.json', true],
    ['{a.yaml,c.json}', 'b.yml', false],
    ['{b.yml,sub/**}', 'sub/d.yaml', true],
    ['{a,b{c,d}}.yaml', 'bd.yaml', true],
    ['?.yaml', 'a.yaml', true],
    ['?.yaml', '/.yaml', false],
    ['[ab].yaml', 'b.yaml', true],
    ['[!ab].yaml', 'b.yaml', false],
    ['[a-c].yaml', 'c.yaml', true],
    ['\\*.yaml', '*.yaml', true],
    ['\\*.yaml', 'a.yaml', false],
  ];
  for (const [pattern, value, expected] of table) {
    assert.equal(pathGlobMatch(pattern, value), expected, `${pattern} ~ ${value}`);
  }
});

test('hostile patterns answer at once: no backtracking, no brace explosion', () => {
  // A backtracking regex takes exponential time on these; the matcher walks the value once.
  const long = 'a'.repeat(100_000);
  assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*b', long), false);
  assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*a', long), true);
  assert.equal(wildcardMatch('*a?a*a?a*a?a*a?a*b', long), false);
  // Paths are at most PATH_MAX (4096) long.
  const path = 'a'.repeat(4096);
  assert.equal(pathGlobMatch('*a*a*a*a*a*a*a*a*a*a*b', path), false);
  assert.equal(pathGlobMatch('**a**a**a**a**a**a**a**a**a**a**b', path), false);
  assert.equal(pathGlobMatch('{*a,*b}{*a,*b}{*a,*b}*c', path), false);
  assert.equal(pathGlobMatch('*a*a*a*a*a*a*a*a*a*a*a', path), true);
});

test('brace ranges, too many alternatives and overlong patterns are refused with the reason', () => {
  const refused: [string, RegExp][] = [
    ['{1..100000}', /brace ranges .* are not supported/],
    ['{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}', /more than 64 alternatives/],
    ['{a,b', /unclosed '\{'/],
    ['[abc', /unclosed '\['/],
    ['x'.repeat(maxGlobLength + 1), /longer than 1024 characters/],
  ];
  for (const [pattern, message] of refused) {
    assert.throws(
      () => compilePathGlob(pattern),
      (error: unknown) => {
        assert.ok(error instanceof GlobError, String(error));
        assert.equal(error.terminal, true);
        assert.match(error.message, message);
        return true;
      },
      pattern,
    );
  }
  assert.throws(() => wildcardMatch('*'.repeat(maxGlobLength + 1), 'x'), GlobError);
});
