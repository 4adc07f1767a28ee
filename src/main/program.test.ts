import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { runCli } from '../cli/program.ts';
import { buildProgram } from './program.ts';

test('the whole program has the CLI commands and the ones that start Tiphys processes', async () => {
  const names = (await buildProgram()).commands.map((command) => command.name());
  for (const name of ['version', 'app', 'repo', 'cluster', 'login', 'install', 'controller', 'server']) {
    assert.ok(names.includes(name), `tiphys ${name} is missing from ${names.join(', ')}`);
  }
});

/** Runs a command line as `tiphys` does (only its group loaded), capturing what Commander writes. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = await buildProgram(argv);
  let out = '';
  let err = '';
  const capture = (command: Command) => {
    command.configureOutput({
      writeOut: (text) => {
        out += text;
      },
      writeErr: (text) => {
        err += text;
      },
    });
    command.commands.forEach(capture);
  };
  capture(program);
  const code = await runCli(argv, program);
  return { code, out, err };
}

/** Every command that has subcommands, as the words that reach it (`[]` is the root). */
function groups(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [];
  return [path, ...command.commands.flatMap((sub) => groups(sub, [...path, sub.name()]))];
}

test('an unknown command exits 2 with an error, with or without --help', async () => {
  for (const argv of [
    ['imagez', 'set', '--help'],
    ['imagez', 'set'],
    ['imagez', '--help'],
    ['help', 'imagez'],
  ]) {
    const { code, out, err } = await run(argv);
    assert.equal(code, 2, `tiphys ${argv.join(' ')}`);
    assert.equal(out, '', `tiphys ${argv.join(' ')} printed no help on stdout`);
    assert.match(err, /^error: unknown command 'imagez'/, `tiphys ${argv.join(' ')}`);
  }
});

test('every command group refuses an unknown subcommand with exit 2, --help or not', async () => {
  const all = groups(await buildProgram());
  assert.ok(all.length >= 8, `command groups found: ${all.map((g) => g.join(' ')).join(', ')}`);
  for (const group of all) {
    for (const tail of [[], ['--help'], ['-h']]) {
      const argv = [...group, 'no-such-command', ...tail];
      const { code, out, err } = await run(argv);
      assert.equal(code, 2, `tiphys ${argv.join(' ')}`);
      assert.equal(out, '', `tiphys ${argv.join(' ')}`);
      // A group that is a command too (`admin health`, with `admin health test`) calls the word
      // an extra argument.
      assert.match(
        err,
        /^error: (unknown command 'no-such-command'|too many arguments for '\w+'.*no-such-command)/,
        `tiphys ${argv.join(' ')}`,
      );
    }
    if (group.length > 0) {
      const missing = await run(group);
      assert.equal(missing.code, 2, `tiphys ${group.join(' ')} without a subcommand`);
      assert.equal(missing.out, '', `tiphys ${group.join(' ')} printed nothing on stdout`);
    }
  }
});

test('an unknown option, an extra argument or a bad choice exits 2 even with --help', async () => {
  const cases: [string[], RegExp][] = [
    [['app', 'list', '--no-such-flag', '--help'], /unknown option '--no-such-flag'/],
    [['--no-such-flag', '--help'], /unknown option '--no-such-flag'/],
    [['controller', 'extra', '--help'], /too many arguments for 'controller': extra/],
    [['app', 'get', 'a', 'b', '--help'], /too many arguments for 'get': b/],
    [['version', '-o', 'yaml'], /argument 'yaml' is invalid/],
    [['app', 'list', '--no-such-flag'], /unknown option '--no-such-flag'/],
  ];
  for (const [argv, message] of cases) {
    const { code, err } = await run(argv);
    assert.equal(code, 2, `tiphys ${argv.join(' ')}`);
    assert.match(err, message, `tiphys ${argv.join(' ')}`);
  }
});

test('help that was asked for still prints on stdout and exits 0', async () => {
  for (const argv of [
    ['--help'],
    ['help'],
    ['app', '--help'],
    ['help', 'app'],
    ['app', 'help', 'list'],
    ['app', 'get', 'x', '--help'],
  ]) {
    const { code, out } = await run(argv);
    assert.equal(code, 0, `tiphys ${argv.join(' ')}`);
    assert.match(out, /^Usage: tiphys/, `tiphys ${argv.join(' ')}`);
  }
});

test('the root help is the same whether every group is loaded or only placeholders are', async () => {
  const whole = (await buildProgram()).helpInformation();
  for (const argv of [['--help'], ['help'], []]) {
    assert.equal((await buildProgram(argv)).helpInformation(), whole, `tiphys ${argv.join(' ')}`);
  }
});

test('a command line loads the group it names and leaves the others as placeholders', async () => {
  for (const argv of [
    ['app', 'list'],
    ['help', 'app'],
    ['--help', 'app', 'get', 'x'],
  ]) {
    const commands = (await buildProgram(argv)).commands;
    const app = commands.find((command) => command.name() === 'app');
    const cluster = commands.find((command) => command.name() === 'cluster');
    assert.ok((app?.commands.length ?? 0) > 5, `tiphys ${argv.join(' ')}: app's subcommands are there`);
    assert.equal(cluster?.commands.length, 0, `tiphys ${argv.join(' ')}: cluster is a placeholder`);
  }
});

test('tiphys version loads neither the Kubernetes client, nor the Lua runtime, nor the API schemas', () => {
  // The modules a real `tiphys version` process loads, seen by a load hook in that process.
  const hook = `data:text/javascript,${encodeURIComponent(
    "import { registerHooks } from 'node:module';" +
      'registerHooks({ load(url, context, next) { process.stderr.write("loaded " + url + "\\n"); return next(url, context); } });',
  )}`;
  const run = spawnSync(
    process.execPath,
    ['--import', hook, join(import.meta.dirname, '../../bin/tiphys.mjs'), 'version'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^tiphys /);
  const loaded = run.stderr.split('\n').filter((line) => line.startsWith('loaded '));
  assert.ok(
    loaded.some((line) => line.includes('src/cli/program.ts')),
    'the hook saw the CLI load',
  );
  for (const heavy of ['@kubernetes/client-node', 'wasmoon', 'typebox', 'src/cli/app/']) {
    assert.ok(!loaded.some((line) => line.includes(heavy)), `tiphys version loaded ${heavy}`);
  }
});
