// Glob matching as Argo CD does it for RBAC objects: `*` matches any run of characters, `/`
// included (so `*` and `*/*` both match `team-a/app`), `?` one character; nothing else is special.
const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 1000;

export function globMatch(value: string, pattern: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return false;
  let regexp = cache.get(pattern);
  if (!regexp) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regexp = new RegExp(`^${source}$`, 's');
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, regexp);
  }
  return regexp.test(value);
}
