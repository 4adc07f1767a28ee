// Value files shipped inside a chart archive (`values-prod.yaml` next to `values.yaml`), for a
// chart from a chart repository or registry: read from the verified archive in memory, only
// paths inside the chart's own folder, written to the render's private folder for helm.
import { readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { chartValueFileProblem } from '../../core/helm/chart-source.ts';
import { tarballFiles, UnsafeArchiveError } from '../registry/tarball.ts';
import { RenderError } from './errors.ts';

/**
 * Writes each of `files` (paths relative to the chart's folder) from the archive into `dir`;
 * returns their paths in order. Throws a RenderError naming the file and the cause.
 */
export async function chartValueFiles(
  archive: string,
  files: readonly string[],
  label: string,
  dir: string,
): Promise<string[]> {
  if (files.length === 0) return [];
  for (const file of files) {
    const problem = chartValueFileProblem(file);
    if (problem)
      throw new RenderError(`${label}: helm value file ${JSON.stringify(file)}: ${problem}`, {
        terminal: true,
      });
  }
  let contents: Map<string, Buffer>;
  try {
    // `helm package` puts every file under one folder named after the chart.
    contents = tarballFiles(await readFile(archive), label, (path) => path.split('/').length >= 2);
  } catch (error) {
    if (error instanceof UnsafeArchiveError) throw new RenderError(error.message, { terminal: true });
    throw error;
  }
  const root = [...contents.keys()].find((path) => /^[^/]+\/Chart\.yaml$/.test(path))?.split('/')[0];
  if (root === undefined)
    throw new RenderError(`${label}: the archive has no Chart.yaml`, { terminal: true });
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    const content = contents.get(posix.join(root, posix.normalize(file)));
    if (content === undefined) {
      const known = [...contents.keys()]
        .filter((path) => /^[^/]+\/[^/]*values[^/]*\.ya?ml$/.test(path))
        .map((path) => path.slice(root.length + 1));
      throw new RenderError(
        `${label}: helm value file ${JSON.stringify(file)} is not a file of the chart${known.length ? ` (it has: ${known.join(', ')})` : ''}`,
        { terminal: true },
      );
    }
    const path = join(dir, `chart-values-${i}.yaml`);
    await writeFile(path, content, { mode: 0o600 });
    paths.push(path);
  }
  return paths;
}
