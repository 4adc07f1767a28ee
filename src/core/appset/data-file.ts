// The content of a Git file generator's file: JSON or YAML, one document.
import { parse } from 'yaml';
import { GeneratorError } from './params.ts';

export function parseDataFile(path: string, text: string): unknown {
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new GeneratorError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
}
