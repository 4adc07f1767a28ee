import type { KubeConfig } from '@kubernetes/client-node';
import type { CheckoutLimits } from '../adapters/git/index.ts';
import type { RenderTools } from '../adapters/render/render.ts';
import type { HealthAssessor } from '../core/health/assessor.ts';
import type { ResolvedRecoveryAction } from '../core/model/recovery-actions.ts';
import type { LogOption } from './log.ts';

/** What `tiphys controller` and the tests configure of a Controller. */
export interface ControllerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  tools: RenderTools;
  /** Where Git mirrors and checkouts live (private to this user); default a fresh private folder. */
  cacheDir?: string;
  /** Applications may use file:// URLs and local paths (local development and tests only). */
  allowLocalRepos?: boolean;
  /**
   * How long unused Git checkouts stay and how many (`--checkout-max-age`, `--max-checkouts`,
   * `--max-folder-checkouts`; defaults in src/adapters/git/checkout-store.ts, docs/performance.md).
   */
  gitCheckouts?: CheckoutLimits;
  /** Polling of Git for every app (default 3 minutes), with ±10 % jitter. */
  pollIntervalMs?: number;
  /** Parallel reconciles (default 10). */
  concurrency?: number;
  /** Compete for the leader Lease (default true); false runs at once (tests, single replica). */
  leaderElection?: boolean;
  identity?: string;
  /**
   * Sharding (docs/fleet.md): several replicas split the clusters, each reconciling only the apps
   * of the clusters it owns; the leader Lease still picks one replica for the loops that must run
   * once (ApplicationSets, cluster probes, pipelines, image automation). Default false.
   */
  sharding?: boolean;
  /** Lease duration of the leader and shard Leases (default 15 s): how soon a dead replica is replaced. */
  leaseDurationSeconds?: number;
  /** Namespaced mode: watch and manage only these namespaces of the control cluster. */
  namespaces?: string[];
  /** A pino logger (or any with its level methods); a plain function gets one line each. */
  log?: LogOption;
  /** How often every Pipeline is looked at (default 3 s): soaks and verification Jobs need a clock. */
  pipelineIntervalMs?: number;
  /** The installation's health checks (custom Lua and CEL ones, docs/health.md); built-in by default. */
  assessHealth?: HealthAssessor;
  /** The most Applications one ApplicationSet may generate (default 5,000). */
  maxApplicationsPerSet?: number;
  /** The administrator's recovery actions (`--recovery-actions`), by name; none by default. */
  recoveryActions?: ReadonlyMap<string, ResolvedRecoveryAction>;
  /** How often each registered cluster is probed (default 30 s). */
  clusterProbeIntervalMs?: number;
  /** Registries the image automation reaches over plain http (host:port; local development). */
  insecureRegistries?: string[];
  /** How often the image automation looks for due scans (default 5 s). */
  imageTickMs?: number;
}
