// The exit codes of the commands a CI pipeline branches on (`app wait`, `pipeline wait`,
// `promote`): 1 stays "the command itself went wrong" (not found, refused by RBAC) and 2 "the
// command line was not understood" (as for every command), so a script can tell "keep waiting",
// "the release failed" and "my call was wrong" apart.
export const EXIT = {
  ok: 0,
  error: 1,
  /** The wait ran out before the state was reached; the release may still get there. */
  timeout: 4,
  /** The release failed: an app Degraded or its sync failed, a gate failed, a promotion refused. */
  failed: 3,
} as const;

/** A progress line on stderr, so stdout keeps only the result a script parses. */
export function progress(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}
