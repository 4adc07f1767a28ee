import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toLogger } from './log.ts';

test('a line function gets the level, the message and the fields that are set', () => {
  const lines: string[] = [];
  const log = toLogger((line) => lines.push(line));
  log.warn({ app: 'web', cluster: 'in-cluster', revision: undefined, operation: 'abc' }, 'sync failed');
  log.debug({}, 'reconciled');
  assert.deepEqual(lines, [
    'warn sync failed {"app":"web","cluster":"in-cluster","operation":"abc"}',
    'debug reconciled',
  ]);
});

test('a logger with level methods (pino) is used as it is', () => {
  const calls: unknown[][] = [];
  const record = (level: string) => (fields: object, message: string) => calls.push([level, fields, message]);
  const given = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  toLogger(given).error({ app: 'web' }, 'status write failed');
  assert.deepEqual(calls, [['error', { app: 'web' }, 'status write failed']]);
});
