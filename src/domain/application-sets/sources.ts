// What the generators read, backed by the controller's own adapters: the Git mirror cache (the
// one rendering uses, with the repository credentials) and the Cluster resources. One instance
// per reconcile of a set: a matrix asking for the same repository N times resolves it once, and
// the next reconcile sees new commits and clusters.
import type { GitCredentials, GitRepoCache } from '../../adapters/git/index.ts';
import { readCheckoutTree } from '../../adapters/git/tree.ts';
import type { ClusterInfo, GeneratorSources, GitTree } from '../../core/appset/generators.ts';
import type { Cluster } from '../../core/model/cluster.ts';

export interface FleetSourceDeps {
  git: GitRepoCache;
  credentialsFor: (repoURL: string) => Promise<GitCredentials | undefined>;
  listClusters: () => Promise<Cluster[]>;
}

export class FleetSources implements GeneratorSources {
  private readonly deps: FleetSourceDeps;
  private clusterList: Promise<ClusterInfo[]> | undefined;
  private readonly trees = new Map<string, Promise<GitTree>>();
  /** The commits read, by repository and revision (shown in logs). */
  readonly commits = new Map<string, string>();

  constructor(deps: FleetSourceDeps) {
    this.deps = deps;
  }

  clusters(): Promise<ClusterInfo[]> {
    this.clusterList ??= this.deps.listClusters().then((clusters) =>
      clusters.map((c) => ({
        name: c.metadata.name,
        server: c.spec.server,
        labels: { ...c.metadata.labels },
        annotations: { ...c.metadata.annotations },
      })),
    );
    return this.clusterList;
  }

  gitTree(repoURL: string, revision: string): Promise<GitTree> {
    const key = `${repoURL}#${revision}`;
    let tree = this.trees.get(key);
    if (!tree) {
      tree = this.readTree(repoURL, revision, key);
      this.trees.set(key, tree);
    }
    return tree;
  }

  private async readTree(repoURL: string, revision: string, key: string): Promise<GitTree> {
    const credentials = await this.deps.credentialsFor(repoURL);
    const commit = await this.deps.git.resolveRevision(repoURL, revision, credentials);
    const dir = await this.deps.git.checkout(repoURL, commit, credentials);
    this.commits.set(key, commit);
    return { commit, ...(await readCheckoutTree(dir)) };
  }
}
