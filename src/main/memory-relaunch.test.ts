import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEAP_GROWING_FLAG, MALLOC_ARENAS, memoryRelaunch, SEMI_SPACE_FLAG } from './memory-relaunch.ts';

const ENTRY = '/opt/tiphys/bin/tiphys.mjs';

test('the controller and the server start again with the memory settings, their arguments kept', () => {
  for (const command of ['controller', 'server']) {
    const relaunch = memoryRelaunch(ENTRY, [command, '--port', '8080'], ['--cpu-prof'], { PATH: '/bin' });
    assert.deepEqual(relaunch, {
      args: [SEMI_SPACE_FLAG, HEAP_GROWING_FLAG, '--cpu-prof', ENTRY, command, '--port', '8080'],
      env: { MALLOC_ARENA_MAX: MALLOC_ARENAS, PATH: '/bin' },
    });
  }
});

test('the relaunched process goes on: it has every setting', () => {
  const first = memoryRelaunch(ENTRY, ['controller'], [], {});
  assert.ok(first);
  const flags = first.args.slice(0, first.args.indexOf(ENTRY));
  assert.deepEqual(flags, [SEMI_SPACE_FLAG, HEAP_GROWING_FLAG]);
  assert.equal(memoryRelaunch(ENTRY, ['controller'], flags, first.env), undefined);
});

test('other commands are never relaunched', () => {
  for (const argv of [
    ['version'],
    ['app', 'list'],
    [],
    ['--help'],
    ['install', '--kubeconfig', 'controller'],
  ])
    assert.equal(memoryRelaunch(ENTRY, argv, [], {}), undefined, argv.join(' '));
});

test("an operator's own young generation size, heap growth and arena count are kept", () => {
  const own = memoryRelaunch(ENTRY, ['server'], ['--max-semi-space-size=32'], {});
  assert.deepEqual(own?.args, [HEAP_GROWING_FLAG, '--max-semi-space-size=32', ENTRY, 'server']);
  const fromOptions = memoryRelaunch(ENTRY, ['server'], [], { NODE_OPTIONS: '--max-semi-space-size=16' });
  assert.deepEqual(fromOptions?.args, [HEAP_GROWING_FLAG, ENTRY, 'server']);
  const growth = memoryRelaunch(ENTRY, ['server'], ['--heap-growing-percent=100'], {});
  assert.deepEqual(growth?.args, [SEMI_SPACE_FLAG, '--heap-growing-percent=100', ENTRY, 'server']);
  assert.equal(
    memoryRelaunch(ENTRY, ['server'], ['--heap-growing-percent=100'], {
      MALLOC_ARENA_MAX: '4',
      NODE_OPTIONS: '--max-semi-space-size=16',
    }),
    undefined,
  );
  assert.equal(memoryRelaunch(ENTRY, ['server'], [], { MALLOC_ARENA_MAX: '8' })?.env.MALLOC_ARENA_MAX, '8');
});
