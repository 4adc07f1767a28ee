import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LuaHealthRuntime } from '../adapters/health/lua-runtime.ts';
import { readHealthTests, ScriptFolderError } from '../adapters/health/script-folder.ts';
import { healthFromLua } from '../core/health/lua-contract.ts';
import { ManifestParseError, parseManifests } from '../core/manifest/parse.ts';
import { fail, scriptsOrFail } from './admin-health-input.ts';

export interface CaseResult {
  /** `<folder>/<inputPath>`, the name a person finds the case by. */
  name: string;
  passed: boolean;
  /** Why it failed: expected and actual health, or the error that kept it from running. */
  detail: string;
}

const show = (status: string, message: string) => `${status} ${JSON.stringify(message)}`;

/**
 * Runs every case of every health_test.yaml under the folder, as Argo CD's test of its
 * resource_customizations does: the script's status and message must equal the expected ones.
 */
export async function runHealthTests(dir: string, runtime: LuaHealthRuntime): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const entry of await scriptsOrFail(dir)) {
    let cases: Awaited<ReturnType<typeof readHealthTests>>;
    try {
      cases = await readHealthTests(entry.path);
    } catch (error) {
      if (!(error instanceof ScriptFolderError)) throw error;
      results.push({ name: `${entry.folder}/health_test.yaml`, passed: false, detail: error.message });
      continue;
    }
    for (const testCase of cases ?? []) {
      const name = `${entry.folder}/${testCase.inputPath}`;
      const input = join(entry.path, testCase.inputPath);
      let objects: ReturnType<typeof parseManifests>;
      try {
        objects = parseManifests(await readFile(input, 'utf8'), input);
      } catch (error) {
        const reason =
          error instanceof ManifestParseError
            ? error.message
            : `cannot read ${input}: ${(error as Error).message}`;
        results.push({ name, passed: false, detail: reason });
        continue;
      }
      if (objects.length !== 1) {
        results.push({
          name,
          passed: false,
          detail: `${input}: expected one object, found ${objects.length}`,
        });
        continue;
      }
      const actual = healthFromLua(
        await runtime.run(entry.script, objects[0], `${entry.folder}/health.lua`),
      ) ?? {
        status: '(none)',
        message: '',
      };
      const passed = actual.status === testCase.status && actual.message === testCase.message;
      results.push({
        name,
        passed,
        detail: passed
          ? show(actual.status, actual.message)
          : `expected ${show(testCase.status, testCase.message)}, got ${show(actual.status, actual.message)}`,
      });
    }
  }
  return results;
}

/** Adds `test DIR` under `tiphys admin health`. */
export function registerHealthTestCommand(health: Command): void {
  health
    .command('test')
    .description(
      'run every health_test.yaml under DIR (Argo CD layout: <group>/<kind>/health.lua, health_test.yaml, ' +
        'testdata/) and print pass or fail per case; exit 1 on a failure',
    )
    .argument('<dir>', 'folder of health scripts')
    .action(async (dir: string) => {
      const runtime = new LuaHealthRuntime();
      let results: CaseResult[];
      try {
        results = await runHealthTests(dir, runtime);
      } finally {
        runtime.close();
      }
      if (results.length === 0)
        fail(`${dir}: no health_test.yaml with cases found`, 'tiphys.admin.health.test');
      for (const result of results)
        console.log(`${result.passed ? 'PASS' : 'FAIL'}  ${result.name}  ${result.detail}`);
      const failed = results.filter((result) => !result.passed).length;
      console.log(`${results.length - failed} passed, ${failed} failed`);
      if (failed > 0)
        fail(`${failed} of ${results.length} health test cases failed`, 'tiphys.admin.health.test');
    });
}
