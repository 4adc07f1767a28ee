// Glob matching as Argo CD does it for RBAC objects: `*` matches any run of characters, `/`
// included (so `*` and `*/*` both match `team-a/app`), `?` one character; nothing else is special.
// One pass over the value (src/core/glob), so a policy line cannot stall the server.
import { wildcardMatch } from '../../core/glob/glob.ts';

export function globMatch(value: string, pattern: string): boolean {
  return wildcardMatch(pattern, value);
}
