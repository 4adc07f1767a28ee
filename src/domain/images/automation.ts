// Image automation, one pass at a time: scan the ImageRepositories that are due, choose each
// ImagePolicy's tag, and commit what the ImageUpdaters say where. Called by the controller's
// loop (leader only) and, for one repository, by a registry webhook. Every outcome is written to
// the objects' status, a failure as a condition whose message says why; a failure writes nothing
// to Git.
import type { ImageObjects } from '../../adapters/control-plane/image-objects.ts';
import { RegistryClient, type RegistryCredentials } from '../../adapters/registry/client.ts';
import { renderCommitMessage } from '../../core/image/commit-message.ts';
import { parseImageName } from '../../core/image/reference.ts';
import { chooseTag } from '../../core/image/tag-policy.ts';
import { DEFAULT_PROJECT } from '../../core/model/common.ts';
import { type ImagePolicy, policyKind } from '../../core/model/image-policy.ts';
import type { ImageRepository } from '../../core/model/image-repository.ts';
import type { ImageUpdater } from '../../core/model/image-updater.ts';
import { commitEditForProject, type WriteBackDeps } from '../write-back.ts';
import { caFromSecret, checkRegistrySecret, credentialsFromSecret } from './registry-access.ts';
import { type ChosenImage, choicesFor, computeWrites } from './targets.ts';

export interface ImageAutomationDeps {
  objects: ImageObjects;
  writeBack: WriteBackDeps;
  /** Registries reached over plain http (host[:port]), for local development only. */
  insecureRegistries?: readonly string[];
  now?: () => Date;
  log?: (message: string) => void;
  /** A commit was pushed: the controller refreshes the apps of that branch (no wait for a poll). */
  onCommitted?: (repoURL: string, branch: string) => void;
}

export interface ScanOutcome {
  repository: string;
  tags?: string[];
  error?: string;
  client?: RegistryClient;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const condition = (type: string, message: string, now: Date) => [
  { type, message, lastTransitionTime: now.toISOString() },
];

/** Builds the client of a repository's registry from its Secrets (checked: label, project, exact host). */
export async function registryClientFor(
  deps: ImageAutomationDeps,
  repo: ImageRepository,
): Promise<RegistryClient> {
  const name = parseImageName(repo.spec.image);
  let credentials: RegistryCredentials | undefined;
  let ca: string | undefined;
  if (repo.spec.credentials) {
    const secretName = repo.spec.credentials.secretName;
    const secret = checkRegistrySecret(await deps.objects.secret(secretName), secretName, repo.spec.project);
    credentials = credentialsFromSecret(secret, name.registry);
  }
  if (repo.spec.ca) {
    const secretName = repo.spec.ca.secretName;
    ca = caFromSecret(
      checkRegistrySecret(await deps.objects.secret(secretName), secretName, repo.spec.project),
      repo.spec.ca.key,
    );
  }
  return new RegistryClient({
    registry: name.registry,
    credentials,
    ca,
    insecureHttp: deps.insecureRegistries?.includes(name.registry) ?? false,
    maxAttempts: 3,
  });
}

/** Lists the tags of one repository and records the outcome in its status. */
export async function scanRepository(deps: ImageAutomationDeps, repo: ImageRepository): Promise<ScanOutcome> {
  const now = deps.now?.() ?? new Date();
  const outcome: ScanOutcome = { repository: repo.metadata.name };
  try {
    const client = await registryClientFor(deps, repo);
    const tags = await client.listTags(parseImageName(repo.spec.image).repository);
    outcome.tags = tags;
    outcome.client = client;
    await deps.objects.patchStatus('ImageRepository', repo.metadata.name, {
      lastScanTime: now.toISOString(),
      lastScanResult: { tagCount: tags.length, latestTags: tags.slice(-10) },
      conditions: [],
      observedGeneration: repo.metadata.generation,
    });
  } catch (error) {
    outcome.error = `scan of ${repo.spec.image} failed: ${errorText(error)}`;
    await deps.objects.patchStatus('ImageRepository', repo.metadata.name, {
      lastScanTime: now.toISOString(),
      conditions: condition('ScanFailed', outcome.error, now),
    });
  }
  return outcome;
}

/** The tag (and digest) a policy chooses from a scan; status written when it changes. */
export async function evaluatePolicy(
  deps: ImageAutomationDeps,
  policy: ImagePolicy,
  repo: ImageRepository,
  scan: ScanOutcome,
  digests: Map<string, string>,
): Promise<ChosenImage | undefined> {
  const now = deps.now?.() ?? new Date();
  const fail = async (message: string) => {
    if (policy.status?.conditions?.[0]?.message !== message)
      await deps.objects.patchStatus('ImagePolicy', policy.metadata.name, {
        conditions: condition('PolicyFailed', message, now),
      });
    return undefined;
  };
  if (scan.error || !scan.tags || !scan.client) return fail(scan.error ?? 'not scanned');
  const client = scan.client;
  try {
    const image = parseImageName(repo.spec.image);
    const filter = repo.spec.tagFilter ? new RegExp(repo.spec.tagFilter, 'v') : undefined;
    const kind = policyKind(policy.spec.policy);
    let createdAt: Map<string, number> | undefined;
    if (kind === 'newest') {
      // Tags are taken as immutable for this policy: a tag's digest is asked once per process.
      createdAt = new Map();
      for (const tag of scan.tags.filter((t) => !filter || filter.test(t))) {
        const key = `${image.name}:${tag}`;
        let digest = digests.get(key);
        if (!digest) {
          digest = await client.tagDigest(image.repository, tag);
          digests.set(key, digest);
        }
        const created = await client.createdAt(image.repository, digest);
        if (created !== undefined) createdAt.set(tag, created);
      }
    }
    const choice = chooseTag(policy.spec.policy, { tags: scan.tags, filter, createdAt });
    if (!choice.ok) return fail(`policy ${policy.metadata.name}: ${choice.reason}; nothing is written`);
    const digest = kind === 'digest' ? await client.tagDigest(image.repository, choice.tag) : undefined;
    const value = { name: repo.spec.image, tag: choice.tag, digest };
    const latestImage = `${repo.spec.image}:${choice.tag}${digest ? `@${digest}` : ''}`;
    if (policy.status?.latestImage !== latestImage || (policy.status?.conditions?.length ?? 0) > 0)
      await deps.objects.patchStatus('ImagePolicy', policy.metadata.name, {
        latestImage,
        latestTag: choice.tag,
        latestDigest: digest ?? null,
        chosenAt: now.toISOString(),
        conditions: [],
      });
    return {
      policy: policy.metadata.name,
      value,
      repositoryImage: repo.spec.image,
      project: repo.spec.project ?? DEFAULT_PROJECT,
      namespace: policy.metadata.namespace ?? deps.objects.namespace,
    };
  } catch (error) {
    return fail(`policy ${policy.metadata.name}: ${errorText(error)}`);
  }
}

/** What an updater would write, as a comparable key. */
export function appliedKey(chosen: readonly ChosenImage[]): string[] {
  return chosen
    .map(
      (item) =>
        `${item.policy}=${item.value.name}:${item.value.tag}${item.value.digest ? `@${item.value.digest}` : ''}`,
    )
    .sort();
}

/** Commits an updater's images when they differ from what it last applied; the outcome in its status. */
export async function runUpdater(
  deps: ImageAutomationDeps,
  updater: ImageUpdater,
  chosen: readonly ChosenImage[],
): Promise<'skipped' | 'done' | 'failed'> {
  const now = deps.now?.() ?? new Date();
  const { spec } = updater;
  const mine = choicesFor(spec, chosen);
  if (mine.length === 0) return 'skipped';
  const applied = appliedKey(mine);
  const status = updater.status ?? {};
  const unchanged =
    JSON.stringify(status.appliedImages ?? []) === JSON.stringify(applied) &&
    status.observedGeneration === updater.metadata.generation &&
    (status.conditions?.length ?? 0) === 0;
  if (unchanged) return 'skipped';
  const projectName = spec.project ?? DEFAULT_PROJECT;
  try {
    const project = await deps.objects.project(projectName);
    if (!project) throw new Error(`project ${projectName} not found`);
    const result = await commitEditForProject(
      deps.writeBack,
      { name: projectName, spec: project.spec },
      {
        repoURL: spec.git.repoURL,
        branch: spec.git.branch ?? 'main',
        author: {
          name: spec.commit?.authorName ?? 'Tiphys',
          email: spec.commit?.authorEmail ?? 'tiphys@localhost',
        },
        message: renderCommitMessage(
          spec.commit?.messageTemplate,
          updater.metadata.name,
          mine.map((item) => ({
            image: item.value.name,
            tag: item.value.tag,
            digest: item.value.digest,
            policy: item.policy,
          })),
        ),
        dryRun: spec.dryRun,
        edit: (tree) => computeWrites(spec, mine, tree),
      },
    );
    if (result.outcome === 'committed') deps.onCommitted?.(spec.git.repoURL, spec.git.branch ?? 'main');
    deps.log?.(
      `image updater ${updater.metadata.name}: ${result.outcome}${result.commit ? ` ${result.commit}` : ''}`,
    );
    await deps.objects.patchStatus('ImageUpdater', updater.metadata.name, {
      lastAttemptTime: now.toISOString(),
      appliedImages: applied,
      observedGeneration: updater.metadata.generation,
      conditions: [],
      ...(result.outcome === 'committed'
        ? { lastCommit: result.commit, lastCommitTime: now.toISOString() }
        : {}),
      dryRunDiff: result.outcome === 'dry-run' ? result.diff.slice(0, 32_768) : null,
    });
    return 'done';
  } catch (error) {
    const message = `update of ${spec.git.repoURL} failed: ${errorText(error)}`;
    deps.log?.(`image updater ${updater.metadata.name}: ${message}`);
    await deps.objects.patchStatus('ImageUpdater', updater.metadata.name, {
      lastAttemptTime: now.toISOString(),
      observedGeneration: updater.metadata.generation,
      conditions: condition('UpdateFailed', message, now),
    });
    return 'failed';
  }
}
