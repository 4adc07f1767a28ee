import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogLevel } from './logging.ts';

test('--log-level takes the pino levels only', () => {
  assert.equal(parseLogLevel('DEBUG'), 'debug');
  assert.throws(() => parseLogLevel('verbose'), /expected one of trace, debug, info, warn, error/);
});
