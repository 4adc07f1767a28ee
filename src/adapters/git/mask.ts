// Secrets never reach an error message or a log line: Git echoes URLs (and the user:password
// someone embedded in one) in its own messages.

const userInfo = /\/\/[^/@\s]+@/g;

/** Masks the user-info of URLs and every occurrence of the given secret values. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let masked = text.replace(userInfo, '//***@');
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) masked = masked.split(form).join('***');
  }
  return masked;
}
