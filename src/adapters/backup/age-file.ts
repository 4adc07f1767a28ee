// Encryption of an export to age recipients (the age format, with the age-encryption library),
// ASCII-armored so the file survives copy and paste. age authenticates what it decrypts: a file
// changed by one byte, or made for another recipient, does not decrypt at all.
import { armor, Decrypter, Encrypter } from 'age-encryption';

export class BackupFileError extends Error {
  override name = 'BackupFileError';
}

export async function encryptToRecipients(text: string, recipients: readonly string[]): Promise<string> {
  if (recipients.length === 0) throw new BackupFileError('give at least one age recipient (age1…)');
  const encrypter = new Encrypter();
  for (const recipient of recipients) {
    try {
      encrypter.addRecipient(recipient.trim());
    } catch (error) {
      throw new BackupFileError(
        `recipient ${recipient.slice(0, 12)}…: not an age recipient (${(error as Error).message})`,
      );
    }
  }
  return armor.encode(await encrypter.encrypt(text));
}

/** The plain text, or an error saying the file is damaged or not for these identities. */
export async function decryptWithIdentities(
  armored: string,
  identities: readonly string[],
  source: string,
): Promise<string> {
  const decrypter = new Decrypter();
  for (const identity of identities) {
    try {
      decrypter.addIdentity(identity.trim());
    } catch {
      // Never quote an identity: it is a secret key.
      throw new BackupFileError(`${source}: an identity is not an age secret key (AGE-SECRET-KEY-1…)`);
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = armor.decode(armored);
  } catch {
    throw new BackupFileError(`${source}: not an armored age file (damaged or not an export)`);
  }
  try {
    return await decrypter.decrypt(bytes, 'text');
  } catch (error) {
    const message = (error as Error).message;
    const wrongKey = /no identity matched/i.test(message);
    throw new BackupFileError(
      wrongKey
        ? `${source}: encrypted for another recipient: none of the given identities opens it`
        : `${source}: refused, the file was changed or damaged (${message})`,
    );
  }
}

/** Identities from an age identity file: one AGE-SECRET-KEY per line, # comments. */
export function identitiesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
