/** What the long-running commands (`controller`, `server`) share: env settings and shutdown. */

/** Shared secrets of the Git providers' push webhooks, from the environment. */
export function webhookSecretsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    github: env.TIPHYS_WEBHOOK_GITHUB_SECRET,
    gitlab: env.TIPHYS_WEBHOOK_GITLAB_SECRET,
    gitea: env.TIPHYS_WEBHOOK_GITEA_SECRET,
  };
}

/**
 * Waits for SIGINT or SIGTERM, then runs `stop` and exits. A stop that hangs on a connection
 * must not keep the process alive past its grace period, and kept-alive API connections and
 * client timers must not hold it open afterwards.
 */
export async function runUntilSignal(
  logger: { info(message: string): void; warn(message: string): void },
  stop: () => Promise<void>,
  graceMs = 5_000,
): Promise<never> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  setTimeout(() => {
    logger.warn(`graceful stop took over ${graceMs / 1000} s; exiting`);
    process.exit(0);
  }, graceMs).unref();
  await stop();
  logger.info('stopped');
  process.exit(0);
}

/** `--allow-local-repos`, else TIPHYS_ALLOW_LOCAL_REPOS=true: Applications may read local repositories. */
export function allowLocalRepos(opts: { allowLocalRepos?: boolean }, env = process.env): boolean {
  return opts.allowLocalRepos === true || env.TIPHYS_ALLOW_LOCAL_REPOS === 'true';
}
