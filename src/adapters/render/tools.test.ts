import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTool } from './exec.ts';
import { tempDir } from './testkit.ts';
import { findTools, missingToolHint, resolveTools } from './tools.ts';

function program(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n', { mode: 0o755 });
  return path;
}

test('the environment variables win over everything else', async () => {
  const home = await tempDir();
  program(join(home, '.cache/tiphys/testbed/v1.36.3/bin/helm'));
  const helm = program(join(home, 'chosen/helm'));
  const kustomize = program(join(home, 'chosen/kustomize'));
  const env = { HOME: home, TIPHYS_HELM_BIN: helm, TIPHYS_KUSTOMIZE_BIN: kustomize };
  assert.deepEqual(findTools(env), { tools: { helm, kustomize }, missing: [] });
});

test("a checkout's testbed binaries come before PATH, the newest Kubernetes version first", async () => {
  const home = await tempDir();
  const cache = join(home, '.cache/tiphys/testbed');
  program(join(cache, 'v1.9.0/bin/kustomize'));
  const newest = program(join(cache, 'v1.36.3/bin/kustomize'));
  const onPath = program(join(home, 'path/helm'));
  program(join(home, 'path/kustomize'));
  const { tools, missing } = findTools({ HOME: home, PATH: `relative:${join(home, 'path')}` });
  assert.deepEqual(tools, { helm: onPath, kustomize: newest });
  assert.deepEqual(missing, []);
  // TIPHYS_TESTBED_CACHE moves the testbed's cache, as it does for testbed/build.sh.
  const moved = program(join(home, 'elsewhere/v1.36.3/bin/helm'));
  assert.equal(resolveTools({ HOME: home, TIPHYS_TESTBED_CACHE: join(home, 'elsewhere') }).helm, moved);
});

test('a tool found nowhere keeps its name and is reported with what to do', async () => {
  const home = await tempDir();
  writeFileSync(join(home, 'kustomize'), 'not executable');
  mkdirSync(join(home, 'helm'));
  const { tools, missing } = findTools({ HOME: home, PATH: home });
  assert.deepEqual(tools, { helm: 'helm', kustomize: 'kustomize' });
  assert.deepEqual(missing, [missingToolHint('helm'), missingToolHint('kustomize')]);
  assert.match(
    missing[1] ?? '',
    /kustomize is not installed: .*TIPHYS_KUSTOMIZE_BIN.*bash testbed\/build\.sh kustomize/,
  );
  const notAProgram = join(home, 'kustomize');
  assert.deepEqual(findTools({ TIPHYS_KUSTOMIZE_BIN: notAProgram, TIPHYS_HELM_BIN: notAProgram }).missing, [
    `TIPHYS_HELM_BIN=${notAProgram} is not an executable file`,
    `TIPHYS_KUSTOMIZE_BIN=${notAProgram} is not an executable file`,
  ]);
});

test('running a missing tool says which one and how to provide it', async () => {
  const cwd = await tempDir();
  await assert.rejects(
    runTool({
      tool: 'kustomize',
      bin: 'kustomize',
      args: ['build'],
      cwd,
      env: { PATH: cwd },
      timeoutMs: 10_000,
    }),
    (error: Error & { terminal?: boolean }) => {
      assert.match(
        error.message,
        /^cannot run kustomize \(kustomize\): spawn kustomize ENOENT; kustomize is not installed/,
      );
      assert.equal(error.terminal, false);
      return true;
    },
  );
});
