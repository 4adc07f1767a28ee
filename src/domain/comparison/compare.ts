import { createHash } from 'node:crypto';
import { deepEqual } from '../../core/diff/json.ts';
import { normalize } from '../../core/diff/normalize.ts';
import type { IgnoreDifference } from '../../core/diff/types.ts';
import { hookPhasesOf } from '../../core/manifest/annotations.ts';
import { needsFullObject } from '../../core/manifest/cached-form.ts';
import { formatKey, keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { DesiredObject } from './desired-state.ts';
import type { ComparisonTarget } from './ports.ts';

export type ResourceSyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

/** How one resource of the app compares: desired, live, and the verdict. */
export interface ResourceComparison {
  id: string;
  desired?: DesiredObject;
  live?: KubeObject;
  /** What the live object would be after applying the desired one (server-side dry run). */
  predicted?: KubeObject;
  status: ResourceSyncStatus;
  requiresPruning: boolean;
  hook: boolean;
  message?: string;
  /**
   * When (epoch ms) the API server last accepted the desired object as a server-side apply
   * against the live object at its current resourceVersion: the comparison's dry run, or the
   * sync's own apply. A sync may count that dry run as the object's validation.
   */
  acceptedAt?: number;
}

export interface Comparison {
  resources: ResourceComparison[];
  status: ResourceSyncStatus;
}

interface CachedVerdict {
  desiredHash: string;
  liveVersion: string;
  equal: boolean;
  /** Only for a difference (what applying would change); an equal verdict predicts the live object. */
  predicted?: KubeObject;
  message?: string;
  /** When the server accepted the desired object as a server-side apply (not for Validate=false). */
  acceptedAt?: number;
}

/**
 * Remembers dry-run verdicts per (app, object) while neither the desired object nor the live
 * object's resourceVersion changed: a steady-state reconcile makes no API call at all, and a
 * manual edit (a new resourceVersion) is compared again at once.
 */
export class ComparisonCache {
  private readonly verdicts = new Map<string, CachedVerdict>();

  get(app: string, id: string): CachedVerdict | undefined {
    return this.verdicts.get(`${app}\u0000${id}`);
  }

  set(app: string, id: string, verdict: CachedVerdict): void {
    this.verdicts.set(`${app}\u0000${id}`, verdict);
  }

  forgetApp(app: string): void {
    const prefix = `${app}\u0000`;
    for (const key of this.verdicts.keys()) if (key.startsWith(prefix)) this.verdicts.delete(key);
  }
}

const hashOf = (obj: unknown) => createHash('sha256').update(JSON.stringify(obj)).digest('hex');

/**
 * Compares what Git says with what the cluster has. For an object that exists, the desired
 * object is applied in a server-side dry run and the result (with server defaults filled in)
 * is compared with the live object, both normalised; fields that other managers own and that
 * Tiphys does not set never count. Live objects the app tracks but Git no longer has need
 * pruning. Hooks are not compared: they run during syncs only.
 */
export async function compareResources(
  appName: string,
  desired: readonly DesiredObject[],
  tracked: readonly KubeObject[],
  destination: ComparisonTarget,
  ignoreDifferences: readonly IgnoreDifference[],
  cache: ComparisonCache,
): Promise<Comparison> {
  const resources: ResourceComparison[] = [];
  const desiredIds = new Set<string>();
  const work: Promise<void>[] = [];
  for (const item of desired) {
    desiredIds.add(item.id);
    const hook = item.hookPhases.length > 0;
    const live = item.key.name ? destination.cache.get(item.key) : undefined;
    const entry: ResourceComparison = {
      id: item.id,
      desired: item,
      live,
      status: 'OutOfSync',
      requiresPruning: false,
      hook,
    };
    resources.push(entry);
    if (hook) {
      entry.status = 'Synced';
      continue;
    }
    if (!live) {
      entry.message = 'missing from the cluster';
      continue;
    }
    work.push(compareOne(appName, entry, item, live, destination, ignoreDifferences, cache));
  }
  await Promise.all(work);
  for (const live of tracked) {
    const id = formatKey(keyOf(live));
    if (desiredIds.has(id) || hookPhasesOf(live).length > 0) continue;
    resources.push({
      id,
      live,
      status: 'OutOfSync',
      requiresPruning: true,
      hook: false,
      message: 'no longer in Git',
    });
  }
  resources.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const counted = resources.filter((r) => !r.hook);
  const status: ResourceSyncStatus = counted.some((r) => r.status === 'Unknown')
    ? 'Unknown'
    : counted.some((r) => r.status === 'OutOfSync')
      ? 'OutOfSync'
      : 'Synced';
  return { resources, status };
}

async function compareOne(
  appName: string,
  entry: ResourceComparison,
  item: DesiredObject,
  live: KubeObject,
  destination: ComparisonTarget,
  ignoreDifferences: readonly IgnoreDifference[],
  cache: ComparisonCache,
): Promise<void> {
  const desiredHash = hashOf([item.object, ignoreDifferences]);
  const liveVersion = live.metadata.resourceVersion ?? '';
  const known = cache.get(appName, item.id);
  if (known && known.desiredHash === desiredHash && known.liveVersion === liveVersion) {
    entry.status = known.equal ? 'Synced' : known.message && !known.predicted ? 'Unknown' : 'OutOfSync';
    // An equal verdict keeps no prediction: the live object is what applying would give.
    entry.predicted = known.predicted ?? (known.equal ? live : undefined);
    entry.message = known.message;
    if (known.acceptedAt !== undefined) entry.acceptedAt = known.acceptedAt;
    return;
  }
  try {
    const serverSideApply = item.syncOptions.Validate !== 'false';
    const predicted = serverSideApply
      ? await destination.client.apply(item.object, { dryRun: true, force: true })
      : await destination.client.replaceOrCreate(item.object, { dryRun: true, validate: false });
    // The cache keeps no managedFields (cached-form.ts): a rule by field manager reads them from
    // the object the API server has now (gone since: compared as cached, the next event re-queues).
    const owner = needsFullObject(live, ignoreDifferences)
      ? ((await destination.client.read(live)) ?? live)
      : live;
    const options = { ignoreDifferences, live: owner };
    const equal = deepEqual(normalize(predicted, options), normalize(owner, options));
    entry.status = equal ? 'Synced' : 'OutOfSync';
    entry.predicted = predicted;
    const accepted = serverSideApply ? { acceptedAt: Date.now() } : {};
    Object.assign(entry, accepted);
    // Hundreds of apps stay equal for days: their verdicts keep hashes, not a copy of each object.
    cache.set(appName, item.id, {
      desiredHash,
      liveVersion,
      equal,
      ...(equal ? {} : { predicted }),
      ...accepted,
    });
  } catch (error) {
    // The object cannot be applied as it is (an immutable field, a webhook refusing it): the
    // comparison cannot say, and a sync would fail with this message.
    entry.status = 'Unknown';
    entry.message = error instanceof Error ? error.message : String(error);
    cache.set(appName, item.id, { desiredHash, liveVersion, equal: false, message: entry.message });
  }
}

/**
 * Records what a real apply returned as the comparison of that object: it is the live object
 * now, and equal to the desired one. The reconcile after a sync then shows Synced at once,
 * without a second dry run of every object.
 */
export function recordApplied(
  cache: ComparisonCache,
  appName: string,
  item: DesiredObject,
  ignoreDifferences: readonly IgnoreDifference[],
  result: KubeObject,
): void {
  cache.set(appName, item.id, {
    desiredHash: hashOf([item.object, ignoreDifferences]),
    liveVersion: result.metadata.resourceVersion ?? '',
    equal: true,
    // A replace (Validate=false, Replace=true) is not the server-side apply a sync validates with.
    ...(item.syncOptions.Validate === 'false' || item.syncOptions.Replace === 'true'
      ? {}
      : { acceptedAt: Date.now() }),
  });
}
