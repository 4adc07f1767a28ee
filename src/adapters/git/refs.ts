// Pure helpers over `git ls-remote --symref` output.

/**
 * Ref name → object id. Peeled tags appear as `refs/tags/<name>^{}` (the commit an annotated
 * tag points to); the `ref: refs/heads/main\tHEAD` symref line is skipped: HEAD's own line
 * follows it with the commit.
 */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    if (line === '' || line.startsWith('ref: ')) continue;
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const sha = line.slice(0, tab).toLowerCase();
    if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) continue;
    refs.set(line.slice(tab + 1), sha);
  }
  return refs;
}

/** The branch HEAD points to on the remote (`refs/heads/main`), when it said so. */
export function parseSymbolicHead(output: string): string | undefined {
  for (const line of output.split('\n')) {
    const match = /^ref: (\S+)\tHEAD$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * The commit a revision names among remote refs: '' and 'HEAD' → HEAD; a `refs/…` name as is;
 * otherwise a branch, then a tag, then `refs/<revision>` (`tags/v1`, `pull/1/head`). Tags are
 * peeled, so an annotated tag gives its commit rather than the tag object.
 */
export function pickRevision(refs: ReadonlyMap<string, string>, revision: string): string | undefined {
  const peeled = (name: string): string | undefined => refs.get(`${name}^{}`) ?? refs.get(name);
  if (revision === '' || revision === 'HEAD') return refs.get('HEAD');
  if (revision.startsWith('refs/')) return peeled(revision);
  return peeled(`refs/heads/${revision}`) ?? peeled(`refs/tags/${revision}`) ?? peeled(`refs/${revision}`);
}
