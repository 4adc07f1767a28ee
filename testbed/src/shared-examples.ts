import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The example config repos the tests use (`shared/examples`, kept beside the project's clone):
 * `TIPHYS_SHARED_EXAMPLES` when set, else `../shared/examples` next to the repository, else the
 * workplace's `/work/shared/examples`.
 */
export function sharedExamplesDir(): string {
  if (process.env.TIPHYS_SHARED_EXAMPLES) return process.env.TIPHYS_SHARED_EXAMPLES;
  const besideRepo = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'examples');
  if (existsSync(besideRepo)) return besideRepo;
  const workplace = '/work/shared/examples';
  if (existsSync(workplace)) return workplace;
  throw new Error(
    `the shared example apps are missing: expected ${besideRepo} (or set TIPHYS_SHARED_EXAMPLES)`,
  );
}

export function sharedExample(name: string): string {
  return join(sharedExamplesDir(), name);
}
