import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram } from './program.ts';

test('the whole program has the CLI commands and the ones that start Tiphys processes', () => {
  const names = buildProgram().commands.map((command) => command.name());
  for (const name of ['version', 'app', 'repo', 'cluster', 'login', 'install', 'controller', 'server']) {
    assert.ok(names.includes(name), `tiphys ${name} is missing from ${names.join(', ')}`);
  }
});
