import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecoveryActions } from './recovery-actions.ts';

test('actions get their defaults; each names exactly one way to run', () => {
  const actions = parseRecoveryActions(
    'actions:\n  testbed:\n    command: [node, up.ts]\n    timeoutSeconds: 60\n  cloud:\n    webhook: {url: "https://p.example/new"}\n',
    'recovery.yaml',
  );
  assert.deepEqual(
    { ...actions.get('testbed') },
    {
      command: ['node', 'up.ts'],
      timeoutSeconds: 60,
      name: 'testbed',
      timeoutMs: 60_000,
      maxAttempts: 3,
      backoffMs: 30_000,
    },
  );
  assert.equal(actions.get('cloud')?.webhook?.url, 'https://p.example/new');
});

test('a bad file names itself and every problem', () => {
  assert.throws(
    () =>
      parseRecoveryActions(
        'actions:\n  both:\n    command: [x]\n    webhook: {url: "https://x"}\n  none: {}\n  typo:\n    comand: [x]\n',
        'recovery.yaml',
      ),
    (error: Error) =>
      /^recovery\.yaml: /.test(error.message) &&
      /actions\.both: give exactly one/.test(error.message) &&
      /actions\.none: give exactly one/.test(error.message) &&
      /comand/.test(error.message),
  );
  assert.throws(() => parseRecoveryActions('actions: [', 'r.yaml'), /r\.yaml: not YAML/);
});
