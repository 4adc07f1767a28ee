import { isObject } from './json.ts';

/** '/a/b~1c/0' → ['a', 'b/c', '0'] (RFC 6901: ~1 is '/', ~0 is '~', in that order). */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function isIndex(token: string, length: number): boolean {
  return /^(0|[1-9]\d*)$/.test(token) && Number(token) < length;
}

/**
 * Removes what the pointer designates, in place; a pointer to nothing is not an error (the
 * field is simply not there on this side). The whole-document pointer '' removes nothing:
 * ignoring everything is not a difference anyone means to declare.
 */
export function removeAtPointer(document: unknown, pointer: string): void {
  const tokens = parsePointer(pointer);
  if (!tokens || tokens.length === 0) return;
  let parent: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(parent)) parent = isIndex(token, parent.length) ? parent[Number(token)] : undefined;
    else if (isObject(parent)) parent = Object.hasOwn(parent, token) ? parent[token] : undefined;
    else return;
  }
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    if (isIndex(last, parent.length)) parent.splice(Number(last), 1);
  } else if (isObject(parent)) {
    delete parent[last];
  }
}
