// Reading and writing files of a work clone by repository-relative paths that come from
// resources people write (an automation's path, a file name in Git). A path may not leave the
// clone, enter .git, or go through a symbolic link: a link committed to the repository could
// otherwise make Tiphys read or overwrite a file of the machine it runs on.
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidGitArgumentError } from './errors.ts';

const maxFileBytes = 4 * 1024 * 1024;

/** `a/b.yaml` → ['a', 'b.yaml']; refuses absolute paths, `..`, `.git` and control characters. */
export function splitTreePath(path: string): string[] {
  const refuse = (why: string): never => {
    throw new InvalidGitArgumentError(`path ${JSON.stringify(path)} ${why}`);
  };
  if (typeof path !== 'string' || path === '') return refuse('is empty');
  if (path.startsWith('/')) return refuse('is absolute; give it relative to the repository root');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\0-\x1f\x7f\\]/.test(path)) return refuse('contains control characters or backslashes');
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) return refuse('names no file');
  if (parts.some((part) => part === '..')) return refuse("goes up with '..'");
  if (parts.some((part) => part.toLowerCase() === '.git')) return refuse('is inside .git');
  return parts;
}

/** Throws when any existing component of the path is a symbolic link or not what it must be. */
async function checkNoLinks(root: string, parts: string[]): Promise<'file' | 'missing'> {
  let current = root;
  for (const [index, part] of parts.entries()) {
    current = join(current, part);
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    const shown = parts.slice(0, index + 1).join('/');
    if (stats.isSymbolicLink())
      throw new InvalidGitArgumentError(`${shown} is a symbolic link; Tiphys does not edit through links`);
    const last = index === parts.length - 1;
    if (last && !stats.isFile()) throw new InvalidGitArgumentError(`${shown} is not a regular file`);
    if (!last && !stats.isDirectory()) throw new InvalidGitArgumentError(`${shown} is not a folder`);
    if (last && stats.size > maxFileBytes)
      throw new InvalidGitArgumentError(`${shown} is larger than ${maxFileBytes} bytes`);
  }
  return 'file';
}

export async function readTreeFile(root: string, path: string): Promise<string | undefined> {
  const parts = splitTreePath(path);
  if ((await checkNoLinks(root, parts)) === 'missing') return undefined;
  return readFile(join(root, ...parts), 'utf8');
}

export async function writeTreeFile(root: string, path: string, content: string): Promise<void> {
  const parts = splitTreePath(path);
  await checkNoLinks(root, parts);
  const target = join(root, ...parts);
  await mkdir(dirname(target), { recursive: true });
  // Checked again after creating folders: nothing but this process writes the clone.
  await checkNoLinks(root, parts);
  await writeFile(target, content);
}

/** Regular files under `folder` (relative paths from the root); links and .git are skipped. */
export async function listTreeFiles(root: string, folder: string): Promise<string[]> {
  const parts = folder === '' || folder === '.' ? [] : splitTreePath(folder);
  // Every component must be a real folder: a link anywhere would walk outside the clone.
  for (let i = 1; i <= parts.length; i++) {
    const stats = await lstat(join(root, ...parts.slice(0, i))).catch(() => undefined);
    if (!stats) return [];
    if (!stats.isDirectory() || stats.isSymbolicLink())
      throw new InvalidGitArgumentError(
        `${parts.slice(0, i).join('/')} is not a folder (links are not followed)`,
      );
  }
  const files: string[] = [];
  const walk = async (relative: string[]) => {
    for (const entry of await readdir(join(root, ...relative), { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) await walk([...relative, entry.name]);
      else if (entry.isFile()) files.push([...relative, entry.name].join('/'));
    }
  };
  await walk(parts);
  return files.sort();
}
