import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { decryptWithIdentities, encryptToRecipients, identitiesOf } from './age-file.ts';

test('an export opens with its identity, and with no other; a changed byte is refused', async () => {
  const identity = await generateIdentity();
  const other = await generateIdentity();
  const armored = await encryptToRecipients('{"secret":"s3cret"}', [await identityToRecipient(identity)]);
  assert.ok(!armored.includes('s3cret'));
  assert.match(armored, /^-----BEGIN AGE ENCRYPTED FILE-----/);
  assert.equal(
    await decryptWithIdentities(armored, identitiesOf(`# key\n${identity}\n`), 'backup.age'),
    '{"secret":"s3cret"}',
  );
  await assert.rejects(
    decryptWithIdentities(armored, [other], 'backup.age'),
    (error: Error) =>
      /backup\.age: encrypted for another recipient/.test(error.message) && !error.message.includes(other),
  );
  const lines = armored.split('\n');
  const middle = Math.floor(lines.length / 2);
  const line = lines[middle] as string;
  lines[middle] = (line[0] === 'A' ? 'B' : 'A') + line.slice(1);
  await assert.rejects(
    decryptWithIdentities(lines.join('\n'), [identity], 'backup.age'),
    /backup\.age: refused, the file was changed or damaged|not an armored age file/,
  );
  await assert.rejects(
    decryptWithIdentities(armored, ['not-a-key'], 'backup.age'),
    /an identity is not an age secret key/,
  );
  await assert.rejects(encryptToRecipients('x', ['age1nonsense']), /not an age recipient/);
});
