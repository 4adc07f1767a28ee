import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertWriteAllowed, FencedWriteError, isFencedWrite, runFenced } from './write-fence.ts';

test('outside a fence every write is allowed', () => {
  assert.doesNotThrow(() => assertWriteAllowed('PATCH x'));
});

test('inside a fence a write asks it, also after awaits and in work the fenced work started', async () => {
  let holds = true;
  const later: Promise<void>[] = [];
  await runFenced(
    () => (holds ? undefined : 'this replica no longer owns cluster east'),
    async () => {
      assertWriteAllowed('PATCH a');
      await new Promise((resolve) => setImmediate(resolve));
      holds = false;
      assert.throws(() => assertWriteAllowed('PATCH b'), {
        name: 'FencedWriteError',
        message: 'PATCH b not sent: this replica no longer owns cluster east',
      });
      later.push(new Promise((resolve) => setTimeout(resolve, 1)).then(() => assertWriteAllowed('PATCH c')));
    },
  );
  await assert.rejects(later[0], FencedWriteError);
  assert.doesNotThrow(() => assertWriteAllowed('PATCH d'), 'the fence ends with its work');
});

test('a fenced write is recognised through the causes that wrap it', () => {
  const fenced = new FencedWriteError('no');
  assert.equal(isFencedWrite(new Error('status update failed', { cause: fenced })), true);
  assert.equal(isFencedWrite(new Error('other')), false);
});
