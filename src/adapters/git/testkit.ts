// For the Git adapter's tests: git run in a local repository under a fixed identity, and a
// commit of everything in its work tree.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const identity = ['-c', 'user.name=test', '-c', 'user.email=test@example.com'];

/** `git -C dir …args`, its output trimmed. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  return (await run('git', ['-C', dir, ...identity, ...args])).stdout.trim();
}

/** Commits the whole work tree of `dir` and returns the new commit's id. */
export async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '--quiet', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}
