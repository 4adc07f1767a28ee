// The image automation loop of the controller (leader only): every tick it lists the image
// objects, scans the ImageRepositories that are due (their interval elapsed, or a registry
// webhook asked for them), chooses each ImagePolicy's tag and runs the ImageUpdaters whose
// images moved. One pass at a time: a webhook during a pass is served by the next one.
// With watches on the three kinds (`presence`), the tick runs only while one of them has an
// object: an installation that uses no image automation does no periodic work for it.
import type { KindPresence } from '../../adapters/control-plane/kind-watch.ts';
import { parseImageName } from '../../core/image/reference.ts';
import type { ImagePolicy } from '../../core/model/image-policy.ts';
import { type ImageRepository, SCAN_REQUEST_ANNOTATION } from '../../core/model/image-repository.ts';
import { pushNames, type RegistryPush } from '../../core/webhook/registry-event.ts';
import {
  appliedKey,
  evaluatePolicy,
  type ImageAutomationDeps,
  runUpdater,
  scanRepository,
} from '../../domain/images/automation.ts';
import type { ChosenImage } from '../../domain/images/targets.ts';

export interface ImageAutomationOptions extends ImageAutomationDeps {
  /** How often the loop looks for due work (default 5 s). */
  tickMs?: number;
  /** Scan interval when an ImageRepository names none (default 5 minutes). */
  defaultIntervalMs?: number;
  /** Shortest interval allowed (default 30 s), so a repository cannot make Tiphys hammer a registry. */
  minIntervalMs?: number;
  onError?: (error: unknown) => void;
  /** Watches of ImageRepositories, ImagePolicies and ImageUpdaters; without them, always tick. */
  presence?: readonly KindPresence[];
}

export function intervalMs(text: string | undefined, fallback: number, minimum: number): number {
  const match = /^([0-9]+)(s|m|h)$/.exec(text ?? '');
  if (!match) return fallback;
  const ms = Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
  return Math.max(minimum, ms);
}

export class ImageAutomation {
  readonly #options: ImageAutomationOptions;
  readonly #requested = new Set<string>();
  readonly #lastScan = new Map<string, number>();
  /** The scan-request annotation (the API server's registry webhook) each repository had at its last scan. */
  readonly #scanRequests = new Map<string, string>();
  /** The generation of each policy at its last evaluation. */
  readonly #evaluated = new Map<string, number>();
  /** image:tag → digest, for the newest policy (tags taken as immutable). */
  readonly #digests = new Map<string, string>();
  /** The tag each policy chose at its last scan, kept between scans of other repositories. */
  readonly #chosen = new Map<string, ChosenImage>();
  /** Updater → what failed and when: a failure is retried after a minute, or when its input changes. */
  readonly #failed = new Map<string, { key: string; at: number }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #active = false;

  constructor(options: ImageAutomationOptions) {
    this.#options = options;
    for (const presence of options.presence ?? []) presence.onChange(() => this.kick());
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.kick();
  }

  async stop(): Promise<void> {
    this.#active = false;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Whether any image object may exist: a watch not (yet) to be trusted counts as yes. */
  #hasWork(): boolean {
    const presence = this.#options.presence ?? [];
    return presence.length === 0 || presence.some((p) => !p.watching || p.count > 0);
  }

  /** Scan these repositories at the next pass (a registry webhook); returns how many were known. */
  requestScan(names: readonly string[]): void {
    for (const name of names) this.#requested.add(name);
    this.kick();
  }

  /**
   * A registry notification: scan the ImageRepositories it names at once. Returns how many
   * match; the notification's own tags are never used, the scan asks the registry.
   */
  async scanPushed(push: RegistryPush): Promise<number> {
    const repos = await this.#options.objects.list('ImageRepository');
    const names = repos
      .filter((repo) => {
        try {
          const image = parseImageName(repo.spec.image);
          return push.images.some((pushed) => pushNames(pushed, image));
        } catch {
          return false;
        }
      })
      .map((repo) => repo.metadata.name);
    this.requestScan(names);
    return names.length;
  }

  /** Resolves when the pass running now (and one asked for meanwhile) is done. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  kick(): void {
    if (!this.#active) return;
    if (!this.#hasWork()) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (!this.#timer) {
      this.#timer = setInterval(() => this.kick(), this.#options.tickMs ?? 5_000);
      this.#timer.unref();
    }
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass()
      .catch((error) => this.#options.onError?.(error))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  async #pass(): Promise<void> {
    const { objects } = this.#options;
    const now = Date.now();
    const [repos, policies, updaters] = await Promise.all([
      objects.list('ImageRepository'),
      objects.list('ImagePolicy'),
      objects.list('ImageUpdater'),
    ]);
    const due = repos.filter((repo) => !repo.spec.suspend && this.#isDue(repo, now, policies));
    for (const repo of due) {
      this.#requested.delete(repo.metadata.name);
      this.#lastScan.set(repo.metadata.name, now);
      this.#scanRequests.set(repo.metadata.name, repo.metadata.annotations?.[SCAN_REQUEST_ANNOTATION] ?? '');
      const scan = await scanRepository(this.#options, repo);
      for (const policy of policies.filter((p) => p.spec.imageRepositoryRef.name === repo.metadata.name)) {
        const chosen = await evaluatePolicy(this.#options, policy, repo, scan, this.#digests);
        this.#evaluated.set(policy.metadata.name, policy.metadata.generation ?? 0);
        if (chosen) this.#chosen.set(policy.metadata.name, chosen);
        else this.#chosen.delete(policy.metadata.name);
      }
    }
    // Policies and repositories deleted since: forget their choices.
    const livePolicies = new Set(policies.map((p) => p.metadata.name));
    for (const name of this.#chosen.keys()) if (!livePolicies.has(name)) this.#chosen.delete(name);
    for (const name of this.#evaluated.keys()) if (!livePolicies.has(name)) this.#evaluated.delete(name);
    const chosen = [...this.#chosen.values()];
    for (const updater of updaters) {
      if (updater.spec.suspend) continue;
      const key = JSON.stringify([updater.metadata.generation, appliedKey(chosen)]);
      const failed = this.#failed.get(updater.metadata.name);
      if (failed && failed.key === key && now - failed.at < 60_000) continue;
      const outcome = await runUpdater(this.#options, updater, chosen);
      if (outcome === 'failed') this.#failed.set(updater.metadata.name, { key, at: now });
      else if (outcome === 'done') this.#failed.delete(updater.metadata.name);
    }
  }

  #isDue(repo: ImageRepository, now: number, policies: readonly ImagePolicy[]): boolean {
    if (this.#requested.has(repo.metadata.name)) return true;
    // A policy created (or changed) after the repository's last scan has chosen nothing yet: it
    // must not wait for the repository's interval. (Objects are often created one after the
    // other, and the watch starts a pass on the first.)
    const unevaluated = policies.some(
      (policy) =>
        policy.spec.imageRepositoryRef.name === repo.metadata.name &&
        this.#evaluated.get(policy.metadata.name) !== (policy.metadata.generation ?? 0),
    );
    if (unevaluated) return true;
    const asked = repo.metadata.annotations?.[SCAN_REQUEST_ANNOTATION];
    if (asked && asked !== this.#scanRequests.get(repo.metadata.name)) return true;
    const last = this.#lastScan.get(repo.metadata.name);
    if (last === undefined) return true;
    const every = intervalMs(
      repo.spec.interval,
      this.#options.defaultIntervalMs ?? 300_000,
      this.#options.minIntervalMs ?? 30_000,
    );
    return now - last >= every;
  }
}
