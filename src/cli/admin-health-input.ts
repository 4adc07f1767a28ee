import { readFile, stat } from 'node:fs/promises';
import { CommanderError } from 'commander';
import {
  readScriptFolder,
  type ScriptFolderEntry,
  ScriptFolderError,
} from '../adapters/health/script-folder.ts';
import {
  type DocumentOutcome,
  defaultParseLimits,
  ManifestParseError,
  parseEachDocument,
} from '../core/manifest/parse.ts';

// What `tiphys admin health` reads: manifest files and folders of health scripts, each failing
// with a message that names the file and the cause.

/** Prints the error for a person and fails the command with exit code 1 (runCli maps it). */
export function fail(message: string, code: string): never {
  console.error(`error: ${message}`);
  throw new CommanderError(1, code, message);
}

/** The file's documents, each with its objects or its own error. */
export async function readManifestDocuments(file: string): Promise<DocumentOutcome[]> {
  let content: string;
  try {
    // Checked before reading so that a huge file is refused without being loaded into memory.
    if ((await stat(file)).size > defaultParseLimits.maxTotalBytes) {
      fail(`${file}: larger than ${defaultParseLimits.maxTotalBytes} bytes`, 'tiphys.admin.health.read');
    }
    content = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CommanderError) throw error;
    return fail(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      'tiphys.admin.health.read',
    );
  }
  try {
    return parseEachDocument(content, file);
  } catch (error) {
    if (error instanceof ManifestParseError) return fail(error.message, 'tiphys.admin.health.parse');
    throw error;
  }
}

/** The scripts of the folder, or a clear error (exit 1) naming the folder or file at fault. */
export async function scriptsOrFail(dir: string): Promise<ScriptFolderEntry[]> {
  try {
    const entries = await readScriptFolder(dir);
    if (entries.length === 0)
      fail(`${dir}: no <group>/<kind>/health.lua found`, 'tiphys.admin.health.scripts');
    return entries;
  } catch (error) {
    if (error instanceof ScriptFolderError) return fail(error.message, 'tiphys.admin.health.scripts');
    throw error;
  }
}
