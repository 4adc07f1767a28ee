import type { SyncPhase } from './types.ts';

// Job names end up in a label (job-name), so they must fit in 63 characters.
const MAX_NAME = 63;
const SUFFIX = 10;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits: stable everywhere, no dependency, and collisions only cost a name clash. */
function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash;
}

/**
 * The name of a hook that only has generateName. The server would pick a random suffix, so a
 * controller that restarted after creating the hook could not find it and would run it twice;
 * deriving the suffix from the operation instead makes the second creation an AlreadyExists.
 * The phase is part of it because one hook may run in several phases of the same operation.
 */
export function generatedHookName(
  generateName: string,
  operationId: string,
  phase: SyncPhase,
  key: string,
): string {
  const hash = fnv1a64(`${operationId}\n${phase}\n${key}\n${generateName}`);
  const suffix = hash.toString(16).padStart(16, '0').slice(0, SUFFIX);
  return `${generateName.slice(0, MAX_NAME - SUFFIX)}${suffix}`;
}
