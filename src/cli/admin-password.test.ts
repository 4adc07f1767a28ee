// The command's shape; what it prints against a real cluster is in src/server/auth/auth.int.test.ts
// (run as its own process there).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';
import { registerInitialPasswordCommand } from './admin-password.ts';

test('admin initial-password takes --kubeconfig and -n, defaulting to the control namespace', () => {
  const admin = new Command('admin');
  const command = registerInitialPasswordCommand(admin);
  assert.equal(command.name(), 'initial-password');
  assert.equal(admin.commands[0], command);
  const flags = command.options.map((o) => o.flags);
  assert.deepEqual(flags, ['--kubeconfig <path>', '-n, --namespace <name>']);
  assert.equal(command.opts().namespace, DEFAULT_CONTROL_NAMESPACE);
  assert.match(command.description(), /once/);
});

test('a kubeconfig that does not exist is an error, not a password', async () => {
  const admin = new Command('admin').exitOverride();
  registerInitialPasswordCommand(admin).exitOverride();
  await assert.rejects(
    admin.parseAsync(['initial-password', '--kubeconfig', '/nonexistent/kubeconfig'], { from: 'user' }),
    /cannot load kubeconfig/,
  );
});
