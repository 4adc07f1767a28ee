import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram } from './program.ts';

test('the program lists its subcommands in help', async () => {
  const program = await buildProgram();
  const help = program.helpInformation();
  const names = program.commands.map((command) => command.name());
  assert.ok(names.length >= 8, `subcommands: ${names.join(', ')}`);
  for (const name of names) {
    assert.match(help, new RegExp(`^  ${name}\\b`, 'm'), `tiphys ${name} is missing from the help`);
  }
  assert.match(help, /GitOps/);
});
