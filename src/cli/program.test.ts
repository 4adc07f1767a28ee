import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram } from './program.ts';

test('the program lists its subcommands in help', () => {
  const help = buildProgram().helpInformation();
  assert.match(help, /version/);
  assert.match(help, /GitOps/);
});
