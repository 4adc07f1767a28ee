// The import rules of docs/DESIGN.md "Layers", as one pure check run on the real sources and on
// made-up import lists (which prove the check can fail).
//
//   core  <-  adapters  <-  domain  <-  controller | server | cli (doors)  <-  main
//
// A layer may import its own layer and the layers to its left, never to its right; a door never
// imports another door; only main (the composition root) knows every door.
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, test } from 'node:test';

type Layer = 'core' | 'adapters' | 'domain' | 'controller' | 'server' | 'cli' | 'main';

const DOORS: readonly Layer[] = ['controller', 'server', 'cli'];

const RANK: Record<Layer, number> = {
  core: 0,
  adapters: 1,
  domain: 2,
  controller: 3,
  server: 3,
  cli: 3,
  main: 4,
};

/** Node modules that do I/O, forbidden in core (with or without the `node:` prefix). */
const IO_MODULES: readonly string[] = [
  'fs',
  'fs/promises',
  'net',
  'tls',
  'dns',
  'dgram',
  'http',
  'https',
  'http2',
  'child_process',
  'worker_threads',
  'cluster',
];

/** Packages that reach a cluster or the network, forbidden in core. */
const IO_PACKAGES: readonly string[] = ['@kubernetes/client-node', 'fastify', 'undici'];

/** One import: the importing file and the specifier resolved to a path under the repository. */
interface ImportEdge {
  /** Path of the importing file, like `src/server/app.ts`. */
  file: string;
  /** Resolved path (`src/cli/output.ts`) for a relative specifier, else the bare specifier. */
  target: string;
}

/**
 * The layer of a path under src/, undefined for anything else (packages, test/, testbed/). Files
 * directly in src/ (version.ts reads package.json; this file) count as adapters: any layer above
 * core may use them.
 */
function layerOf(path: string): Layer | undefined {
  const match = /^src\/(?:([^/]+)\/)?[^/]+$|^src\/([^/]+)\//.exec(path);
  if (!match) return undefined;
  const top = match[2] ?? match[1];
  if (top === undefined) return 'adapters';
  return top in RANK ? (top as Layer) : undefined;
}

const isTest = (file: string) => /\.test\.ts$/.test(file);

/** The rule an import breaks, or undefined when it is allowed. */
function ruleBroken(edge: ImportEdge): string | undefined {
  const from = layerOf(edge.file);
  if (!from) return undefined;
  const bare = edge.target.replace(/^node:/, '');
  if (from === 'core') {
    // Tests of pure code still read their fixtures from disk.
    if (!isTest(edge.file) && IO_MODULES.includes(bare)) return `core does no I/O (imports ${edge.target})`;
    if (IO_PACKAGES.some((p) => bare === p || bare.startsWith(`${p}/`))) {
      return `core does no I/O (imports ${edge.target})`;
    }
  }
  if (!edge.target.startsWith('src/')) return undefined;
  const to = layerOf(edge.target);
  if (!to) return `${edge.target} belongs to no layer`;
  if (from === to || from === 'main') return undefined;
  if (DOORS.includes(from) && DOORS.includes(to)) return `the ${from} door imports the ${to} door`;
  if (RANK[to] > RANK[from]) return `${from} imports ${to}, a layer above it`;
  return undefined;
}

/** Every broken rule, as `file -> target: rule` lines. */
function violations(edges: readonly ImportEdge[]): string[] {
  return edges.flatMap((edge) => {
    const rule = ruleBroken(edge);
    return rule ? [`${edge.file} -> ${edge.target}: ${rule}`] : [];
  });
}

/**
 * The specifiers a TypeScript source imports: static imports and re-exports, side-effect imports,
 * dynamic `import('…')` and `import('…').Type` type queries. Comments are dropped first, so a
 * commented-out import does not count.
 */
function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const found: string[] = [];
  const pattern = /(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(pattern)) found.push(match[1]);
  return found;
}

/**
 * Imports that still break a rule, each with the work that removes it. The test fails when one
 * of these is fixed and left here, so the list only shrinks.
 */
const KNOWN_EXCEPTIONS: readonly string[] = [];

const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..');

/** Every import of every TypeScript file under src/, relative specifiers resolved. */
function sourceImports(): ImportEdge[] {
  return globSync('src/**/*.{ts,tsx}', { cwd: repoRoot }).flatMap((file) =>
    importSpecifiers(readFileSync(join(repoRoot, file), 'utf8')).map((specifier) => ({
      file,
      target: specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : specifier,
    })),
  );
}

describe('layers', () => {
  test('the sources keep the import rules (besides the listed exceptions)', () => {
    const broken = violations(sourceImports());
    const unexpected = broken.filter((line) => !KNOWN_EXCEPTIONS.includes(line));
    assert.deepEqual(unexpected, [], 'imports that break the layer rules of docs/DESIGN.md');
    const stale = KNOWN_EXCEPTIONS.filter((line) => !broken.includes(line));
    assert.deepEqual(stale, [], 'exceptions no longer needed: remove them from KNOWN_EXCEPTIONS');
  });

  test('the import reader sees every form of import, and none in comments', () => {
    const source = [
      "import a from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import './side-effect.ts';",
      'const { d } = await import(',
      "  '../d.ts'",
      ');',
      "let e: import('./e.ts').E;",
      "// import z from './commented.ts';",
      "/* import y from './block.ts'; */",
      "const url = 'https://example.com/x'; import f from 'node:fs';",
    ].join('\n');
    assert.deepEqual(importSpecifiers(source), [
      './a.ts',
      '../b.ts',
      './c.ts',
      './side-effect.ts',
      '../d.ts',
      './e.ts',
      'node:fs',
    ]);
  });

  test('each rule catches its breach on a made-up import list', () => {
    const cases: [ImportEdge, RegExp][] = [
      [{ file: 'src/core/diff/x.ts', target: 'node:fs' }, /core does no I\/O/],
      [{ file: 'src/core/diff/x.ts', target: 'child_process' }, /core does no I\/O/],
      [{ file: 'src/core/diff/x.ts', target: '@kubernetes/client-node' }, /core does no I\/O/],
      [{ file: 'src/core/diff/x.ts', target: 'src/adapters/kube/rest.ts' }, /core imports adapters/],
      [{ file: 'src/adapters/kube/x.ts', target: 'src/domain/apps.ts' }, /adapters imports domain/],
      [{ file: 'src/adapters/kube/x.ts', target: 'src/server/app.ts' }, /adapters imports server/],
      [{ file: 'src/domain/apps.ts', target: 'src/cli/output.ts' }, /domain imports cli/],
      [{ file: 'src/server/app.ts', target: 'src/cli/output.ts' }, /server door imports the cli door/],
      [{ file: 'src/cli/x.ts', target: 'src/controller/c.ts' }, /cli door imports the controller door/],
      [{ file: 'src/controller/c.ts', target: 'src/server/x.ts' }, /controller door imports the server/],
      [{ file: 'src/cli/x.ts', target: 'src/main/program.ts' }, /cli imports main/],
      [{ file: 'src/server/x.ts', target: 'src/stray/y.ts' }, /belongs to no layer/],
    ];
    for (const [edge, rule] of cases) {
      const found = violations([edge]);
      assert.equal(found.length, 1, `${edge.file} -> ${edge.target} should break a rule`);
      assert.match(found[0], rule);
    }
  });

  test('what the layers allow passes', () => {
    const allowed: ImportEdge[] = [
      { file: 'src/core/diff/x.ts', target: 'src/core/model/y.ts' },
      { file: 'src/core/diff/x.ts', target: 'node:crypto' },
      { file: 'src/core/diff/x.test.ts', target: 'node:fs' },
      { file: 'src/adapters/kube/x.ts', target: 'src/core/model/y.ts' },
      { file: 'src/adapters/kube/x.ts', target: '@kubernetes/client-node' },
      { file: 'src/domain/apps.ts', target: 'src/adapters/kube/rest.ts' },
      { file: 'src/server/app.ts', target: 'src/domain/apps.ts' },
      { file: 'src/server/app.ts', target: 'src/version.ts' },
      { file: 'src/main/program.ts', target: 'src/cli/program.ts' },
      { file: 'src/main/program.ts', target: 'src/server/app.ts' },
      { file: 'test/e2e/x.test.ts', target: 'src/server/app.ts' },
    ];
    assert.deepEqual(violations(allowed), []);
  });
});
