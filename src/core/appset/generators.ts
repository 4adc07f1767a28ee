// The generators of an ApplicationSet: each turns its input (a list, the registered clusters, a
// Git tree) into parameter sets; matrix and merge combine two or more. Pure: the clusters and
// Git trees come through `GeneratorSources`, which the controller backs with its caches.
import { compilePathGlob, GlobError } from '../glob/glob.ts';
import {
  type ClusterGenerator,
  type Generator,
  type GitGenerator,
  type ListGenerator,
  type MatrixGenerator,
  type MergeGenerator,
  NestedGenerator,
} from '../model/application-set.ts';
import { IN_CLUSTER } from '../model/common.ts';
import { schemaErrors } from '../model/validate.ts';
import { parseDataFile } from './data-file.ts';
import { flatten, GeneratorError, normalizeName, type Params, pathParams, scalarParam } from './params.ts';
import { selectorMatches } from './selector.ts';
import { renderTemplate } from './template.ts';

/** The address Argo CD uses for the cluster it runs in; Tiphys calls it `in-cluster`. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

export interface ClusterInfo {
  name: string;
  server: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The files and folders of one commit (paths relative to the root, `/`-separated, sorted). */
export interface GitTree {
  commit: string;
  directories: string[];
  files: string[];
  read(path: string): Promise<string>;
}

export interface GeneratorSources {
  /** Registered clusters; `in-cluster` is added by the generator. */
  clusters(): Promise<ClusterInfo[]>;
  gitTree(repoURL: string, revision: string): Promise<GitTree>;
}

/** One parameter set, with the generator's template override if it has one. */
export interface ParamSet {
  params: Params;
  template?: unknown;
}

/** Nesting allowed inside matrix and merge (a matrix of a merge of …), as Argo CD allows. */
const MAX_DEPTH = 3;

export async function runGenerator(
  generator: Generator | NestedGenerator,
  sources: GeneratorSources,
  where: string,
  depth = 0,
): Promise<ParamSet[]> {
  const kinds = (['list', 'clusters', 'git', 'matrix', 'merge'] as const).filter((k) => generator[k]);
  if (kinds.length !== 1) {
    throw new GeneratorError(`${where}: needs exactly one of list, clusters, git, matrix, merge`);
  }
  const kind = kinds[0] as (typeof kinds)[number];
  let sets: ParamSet[];
  if (kind === 'list') sets = listParams(generator.list as ListGenerator, where);
  else if (kind === 'clusters') sets = await clusterParams(generator.clusters as ClusterGenerator, sources);
  else if (kind === 'git') sets = await gitParams(generator.git as GitGenerator, sources, `${where}.git`);
  else if (kind === 'matrix')
    sets = await matrixParams(generator.matrix as MatrixGenerator, sources, `${where}.matrix`, depth);
  else sets = await mergeParams(generator.merge as MergeGenerator, sources, `${where}.merge`, depth);
  const override = (generator[kind] as { template?: unknown }).template;
  if (override) sets = sets.map((set) => ({ ...set, template: set.template ?? override }));
  return generator.selector ? sets.filter((set) => selectorMatches(generator.selector, set.params)) : sets;
}

function listParams(list: ListGenerator, where: string): ParamSet[] {
  return list.elements.map((element, i) => {
    const params: Params = {};
    for (const [key, value] of Object.entries(element)) {
      if (key === 'values' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value))
          params[`values.${k}`] = scalarParam(k, v, `${where}.list.elements[${i}].values`);
      } else params[key] = scalarParam(key, value, `${where}.list.elements[${i}]`);
    }
    return { params };
  });
}

async function clusterParams(generator: ClusterGenerator, sources: GeneratorSources): Promise<ParamSet[]> {
  const registered = await sources.clusters();
  const inCluster: ClusterInfo = { name: IN_CLUSTER, server: IN_CLUSTER_SERVER, labels: {}, annotations: {} };
  const all = registered.some((c) => c.name === IN_CLUSTER) ? registered : [inCluster, ...registered];
  return all
    .filter((cluster) => selectorMatches(generator.selector, cluster.labels))
    .map((cluster) => {
      const params: Params = {
        name: cluster.name,
        nameNormalized: normalizeName(cluster.name),
        server: cluster.server,
      };
      for (const [k, v] of Object.entries(cluster.labels)) params[`metadata.labels.${k}`] = v;
      for (const [k, v] of Object.entries(cluster.annotations)) params[`metadata.annotations.${k}`] = v;
      for (const [k, v] of Object.entries(generator.values ?? {}))
        params[`values.${k}`] = renderTemplate(v, params);
      return { params };
    });
}

async function gitParams(
  generator: GitGenerator,
  sources: GeneratorSources,
  where: string,
): Promise<ParamSet[]> {
  const hasDirs = (generator.directories?.length ?? 0) > 0;
  const hasFiles = (generator.files?.length ?? 0) > 0;
  if (hasDirs === hasFiles) throw new GeneratorError(`${where}: needs either directories or files`);
  const prefix = generator.pathParamPrefix ?? '';
  const tree = await sources.gitTree(generator.repoURL, generator.revision || 'HEAD');
  const withValues = (params: Params): Params => {
    for (const [k, v] of Object.entries(generator.values ?? {}))
      params[`values.${k}`] = renderTemplate(v, params);
    return params;
  };
  if (hasDirs) {
    const entries = (generator.directories ?? []).map((d) => ({
      match: glob(d.path, where),
      exclude: d.exclude,
    }));
    return tree.directories
      .filter((dir) => entries.some((e) => !e.exclude && e.match(dir)))
      .filter((dir) => !entries.some((e) => e.exclude && e.match(dir)))
      .map((dir) => ({ params: withValues(pathParams(dir, prefix)) }));
  }
  const matchers = (generator.files ?? []).map((f) => glob(f.path, where));
  const sets: ParamSet[] = [];
  for (const file of tree.files.filter((f) => matchers.some((m) => m(f)))) {
    const content = parseDataFile(file, await tree.read(file));
    const slash = file.lastIndexOf('/');
    const location = pathParams(slash === -1 ? '.' : file.slice(0, slash), prefix, file.slice(slash + 1));
    for (const item of Array.isArray(content) ? content : [content]) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new GeneratorError(`${file} (${generator.repoURL}): each entry must be an object`);
      }
      sets.push({ params: withValues({ ...flatten(item), ...location }) });
    }
  }
  return sets;
}

function glob(pattern: string, where: string): (path: string) => boolean {
  try {
    return compilePathGlob(pattern);
  } catch (error) {
    if (error instanceof GlobError) throw new GeneratorError(`${where}: ${error.message}`);
    throw error;
  }
}

/** A matrix or merge child, checked here because the CRD cannot describe nested generators. */
function child(raw: unknown, where: string): NestedGenerator {
  const problems = schemaErrors(NestedGenerator, raw);
  if (problems.length > 0) throw new GeneratorError(`${where}: ${problems.join('; ')}`);
  return raw as NestedGenerator;
}

function nested(raw: unknown, where: string, depth: number): NestedGenerator {
  if (depth >= MAX_DEPTH) throw new GeneratorError(`${where}: generators nested more than ${MAX_DEPTH} deep`);
  return child(raw, where);
}

async function matrixParams(
  matrix: MatrixGenerator,
  sources: GeneratorSources,
  where: string,
  depth: number,
): Promise<ParamSet[]> {
  if (matrix.generators.length !== 2) throw new GeneratorError(`${where}: needs exactly two generators`);
  const [first, second] = matrix.generators.map((g, i) => nested(g, `${where}.generators[${i}]`, depth + 1));
  const out: ParamSet[] = [];
  for (const a of await runGenerator(
    first as NestedGenerator,
    sources,
    `${where}.generators[0]`,
    depth + 1,
  )) {
    // The second child may use the first one's params (a Git path per cluster, for instance).
    const secondForA = child(renderTemplate(second, a.params), `${where}.generators[1]`);
    for (const b of await runGenerator(secondForA, sources, `${where}.generators[1]`, depth + 1)) {
      for (const [key, value] of Object.entries(b.params)) {
        if (key in a.params && a.params[key] !== value) {
          throw new GeneratorError(
            `${where}: both generators set ${key} (${JSON.stringify(a.params[key])} and ${JSON.stringify(value)})`,
          );
        }
      }
      out.push({ params: { ...a.params, ...b.params }, template: b.template ?? a.template });
    }
  }
  return out;
}

async function mergeParams(
  merge: MergeGenerator,
  sources: GeneratorSources,
  where: string,
  depth: number,
): Promise<ParamSet[]> {
  const children = merge.generators.map((g, i) => nested(g, `${where}.generators[${i}]`, depth + 1));
  const results: ParamSet[][] = [];
  for (const [i, g] of children.entries()) {
    results.push(await runGenerator(g, sources, `${where}.generators[${i}]`, depth + 1));
  }
  const [base = [], ...others] = results;
  const keyOf = (set: ParamSet) => JSON.stringify(merge.mergeKeys.map((k) => set.params[k] ?? null));
  const merged = base.map((set) => ({ ...set, params: { ...set.params } }));
  const byKey = new Map<string, ParamSet[]>();
  for (const set of merged) byKey.set(keyOf(set), [...(byKey.get(keyOf(set)) ?? []), set]);
  for (const [i, sets] of others.entries()) {
    const seen = new Set<string>();
    for (const set of sets) {
      const key = keyOf(set);
      if (seen.has(key)) {
        throw new GeneratorError(
          `${where}.generators[${i + 1}]: two parameter sets share the merge keys ${merge.mergeKeys.join(', ')} = ${key}`,
        );
      }
      seen.add(key);
      for (const target of byKey.get(key) ?? []) Object.assign(target.params, set.params);
    }
  }
  return merged;
}
