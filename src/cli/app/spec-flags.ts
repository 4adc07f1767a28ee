// The flags of `app create` and `app set`, and how they change an ApplicationSpec. One function
// serves both: create applies the flags to an empty spec, set to the spec it read, so a flag
// means the same thing in either command.
import { type Command, Option } from 'commander';
import type {
  Application,
  ApplicationSpec,
  HelmParameter,
  SyncPolicy,
} from '../../core/model/application.ts';
import { API_VERSION, IN_CLUSTER } from '../../core/model/common.ts';
import { CliError, collect, parseKeyValue } from '../output.ts';

export interface SpecFlags {
  repo?: string;
  path?: string;
  revision?: string;
  destCluster?: string;
  destNamespace?: string;
  project?: string;
  syncPolicy?: 'automated' | 'none';
  selfHeal?: boolean;
  autoPrune?: boolean;
  allowEmpty?: boolean;
  syncOption?: string[];
  helmSet?: string[];
  helmSetString?: string[];
  values?: string[];
  releaseName?: string;
  kustomizeImage?: string[];
  namePrefix?: string;
  directoryRecurse?: boolean;
  dependsOn?: string[];
}

/** Declares the spec flags; `create` requires what an Application cannot do without. */
export function addSpecOptions(command: Command, mode: 'create' | 'set'): Command {
  const needed = (flags: string, description: string) =>
    mode === 'create' ? command.requiredOption(flags, description) : command.option(flags, description);
  needed('--repo <url>', 'URL of the Git repository with the manifests');
  needed('--path <path>', 'directory of the manifests inside the repository');
  command.option('--revision <revision>', 'branch, tag or commit to deploy (default: HEAD)');
  command.option(
    '--dest-cluster <name>',
    `registered cluster to deploy to${mode === 'create' ? ` (default: ${IN_CLUSTER})` : ''}`,
  );
  needed('--dest-namespace <namespace>', 'namespace for resources that do not set one');
  command.option('--project <name>', 'AppProject (default: default)');
  command.addOption(
    new Option('--sync-policy <policy>', 'automated: sync on every change; none: only on request').choices([
      'automated',
      'none',
    ]),
  );
  command.option('--self-heal', 'with automated sync: revert changes made in the cluster');
  command.option('--auto-prune', 'with automated sync: delete resources removed from Git');
  command.option('--allow-empty', 'with automated sync: allow a sync that would prune everything');
  if (mode === 'set') {
    command.option('--no-self-heal', 'stop reverting changes made in the cluster');
    command.option('--no-auto-prune', 'stop deleting resources removed from Git automatically');
    command.option('--no-allow-empty', 'refuse automated syncs that would prune everything');
  }
  const merged = mode === 'set' ? '; replaces an earlier value of the same name' : '';
  command.option('--sync-option <Name=value>', `sync option, like CreateNamespace=true${merged}`, collect);
  command.option('--helm-set <path=value>', `Helm parameter (helm --set)${merged}`, collect);
  command.option('--helm-set-string <path=value>', `Helm string parameter (--set-string)${merged}`, collect);
  command.option(
    '--values <file>',
    `Helm values file, relative to the path${mode === 'set' ? '; replaces the list' : ''}`,
    collect,
  );
  command.option('--release-name <name>', 'Helm release name (default: the Application name)');
  command.option(
    '--kustomize-image <image>',
    `Kustomize image override, like nginx=nginx:1.27${merged}`,
    collect,
  );
  command.option('--name-prefix <prefix>', 'Kustomize name prefix');
  command.option('--directory-recurse', 'plain directory: also read subdirectories');
  if (mode === 'set') command.option('--no-directory-recurse', 'plain directory: only the top directory');
  command.option(
    '--depends-on <app>',
    `Application that must be Synced and Healthy first${mode === 'set' ? '; replaces the list' : ''}`,
    collect,
  );
  return command;
}

/** The Application `app create` sends: the flags applied to an empty spec. */
export function applicationFromFlags(name: string, namespace: string, flags: SpecFlags): Application {
  const empty: ApplicationSpec = {
    source: { repoURL: flags.repo ?? '' },
    destination: { cluster: IN_CLUSTER },
  };
  return {
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name, namespace },
    spec: applySpecFlags(empty, flags),
  };
}

/** A copy of `spec` with the flags applied; `spec` is left unchanged. */
export function applySpecFlags(spec: ApplicationSpec, flags: SpecFlags): ApplicationSpec {
  const next = structuredClone(spec);
  // The flags edit the one source; an app of several sources is edited as a file (app edit/apply).
  if (!next.source)
    throw new CliError('the app has several sources (spec.sources): change it with a file (app apply -f)');
  const source = next.source;
  if (flags.repo !== undefined) source.repoURL = flags.repo;
  if (flags.path !== undefined) source.path = flags.path;
  if (flags.revision !== undefined) source.targetRevision = flags.revision;
  if (flags.destCluster !== undefined) next.destination.cluster = flags.destCluster;
  if (flags.destNamespace !== undefined) next.destination.namespace = flags.destNamespace;
  if (flags.project !== undefined) next.project = flags.project;
  if (flags.dependsOn !== undefined) next.dependsOn = [...new Set(flags.dependsOn)];

  const helmParameters = [
    ...(flags.helmSet ?? []).map((text) => helmParameter(text, false)),
    ...(flags.helmSetString ?? []).map((text) => helmParameter(text, true)),
  ];
  if (helmParameters.length > 0 || flags.values || flags.releaseName !== undefined) {
    source.helm ??= {};
    const helm = source.helm;
    if (helmParameters.length > 0) {
      helm.parameters = mergeBy(helm.parameters ?? [], helmParameters, (p) => p.name);
    }
    if (flags.values) helm.valueFiles = flags.values;
    if (flags.releaseName !== undefined) helm.releaseName = flags.releaseName;
  }
  if (flags.kustomizeImage || flags.namePrefix !== undefined) {
    source.kustomize ??= {};
    const kustomize = source.kustomize;
    if (flags.kustomizeImage) {
      kustomize.images = mergeBy(kustomize.images ?? [], flags.kustomizeImage, imageName);
    }
    if (flags.namePrefix !== undefined) kustomize.namePrefix = flags.namePrefix;
  }
  if (flags.directoryRecurse === true) source.directory = { ...source.directory, recurse: true };
  if (flags.directoryRecurse === false && source.directory) {
    delete source.directory.recurse;
    if (Object.keys(source.directory).length === 0) delete source.directory;
  }

  const syncPolicy = applySyncPolicyFlags(next.syncPolicy ?? {}, flags);
  if (Object.keys(syncPolicy).length > 0) next.syncPolicy = syncPolicy;
  else delete next.syncPolicy;
  return next;
}

function applySyncPolicyFlags(policy: SyncPolicy, flags: SpecFlags): SyncPolicy {
  if (flags.syncPolicy === 'automated') policy.automated ??= {};
  if (flags.syncPolicy === 'none') delete policy.automated;
  const automatic = { prune: flags.autoPrune, selfHeal: flags.selfHeal, allowEmpty: flags.allowEmpty };
  const flagName = { prune: '--auto-prune', selfHeal: '--self-heal', allowEmpty: '--allow-empty' };
  for (const [key, value] of Object.entries(automatic) as [keyof typeof automatic, boolean | undefined][]) {
    if (value === undefined) continue;
    if (!policy.automated) {
      // Turning a sub-option off on a manual policy is already true; turning it on would be ignored.
      if (value)
        throw new CliError(`${flagName[key]} needs an automated sync policy (--sync-policy automated)`);
      continue;
    }
    if (value) policy.automated[key] = true;
    else delete policy.automated[key];
  }
  if (flags.syncOption) {
    for (const option of flags.syncOption) parseKeyValue(option, 'sync option');
    policy.syncOptions = mergeBy(policy.syncOptions ?? [], flags.syncOption, (o) => o.split('=')[0]);
  }
  return policy;
}

function helmParameter(text: string, forceString: boolean): HelmParameter {
  const [name, value] = parseKeyValue(text, forceString ? '--helm-set-string' : '--helm-set');
  return forceString ? { name, value, forceString } : { name, value };
}

/** `nginx=nginx:1.27` and `nginx:1.27` and `nginx@sha256:…` all override the image `nginx`. */
export function imageName(image: string): string {
  const equals = image.indexOf('=');
  if (equals > 0) return image.slice(0, equals);
  const withoutDigest = image.split('@')[0];
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** `existing` with each of `added` replacing the entry of the same key, or appended. */
function mergeBy<T>(existing: readonly T[], added: readonly T[], key: (item: T) => string): T[] {
  const result = [...existing];
  for (const item of added) {
    const at = result.findIndex((other) => key(other) === key(item));
    if (at >= 0) result[at] = item;
    else result.push(item);
  }
  return result;
}
