// The CLI's own settings file (`tiphys login` writes it): which API server the commands talk to
// and the session token for it. It holds a credential, so it is written with mode 0600 in a 0700
// folder, atomically (a half-written file would log the user out or leak nothing but garbage).
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './output.ts';

export interface CliConfig {
  /** Base URL of the API server, without a trailing slash. */
  server?: string;
  /** Session or API token for `server`. */
  token?: string;
  /** Do not verify the server's TLS certificate (set by `tiphys login --insecure`). */
  insecure?: boolean;
}

/** Where the API server and token come from when a command is not given a kubeconfig. */
export interface ApiTarget {
  server: string;
  token: string;
  insecure: boolean;
}

/** `$TIPHYS_CONFIG`, else `$XDG_CONFIG_HOME/tiphys/config.json`, else `~/.config/tiphys/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TIPHYS_CONFIG) return env.TIPHYS_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tiphys', 'config.json');
}

/** The config file's contents; an absent file is an empty config, a broken one an error. */
export function readConfig(path = configPath()): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not valid JSON; fix it or delete it and run tiphys login again`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object; delete it and run tiphys login again`);
  }
  const { server, token, insecure } = parsed as Record<string, unknown>;
  return {
    ...(typeof server === 'string' && server !== '' ? { server } : {}),
    ...(typeof token === 'string' && token !== '' ? { token } : {}),
    ...(insecure === true ? { insecure } : {}),
  };
}

/** Writes the config readable by its owner only; an empty config removes the file. */
export function writeConfig(config: CliConfig, path = configPath()): void {
  if (Object.keys(config).length === 0) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // The mode applies when the file is created; it is new here, so no other reader ever had it.
    writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // An umask cannot widen 0600, but a file system that ignored it must not leave it open.
  chmodSync(path, 0o600);
}

/**
 * The base URL of an API server as a person types it: `host:port` means https, except on this
 * machine's loopback addresses, where `tiphys server` listens on plain http by default.
 */
export function normalizeServer(input: string): string {
  const text = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
    ? text
    : `${/^(localhost|127\.0\.0\.1|\[::1\])(:|$)/.test(text) ? 'http' : 'https'}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`"${input}" is not a server address (like https://tiphys.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`"${input}": the API server is reached over http or https`);
  }
  if (url.username || url.password) throw new CliError('put credentials in --username, not in the URL');
  if (url.search || url.hash) throw new CliError(`"${input}": a server address has no query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The API flags a command group takes; absent ones fall back to the environment, then the file. */
export interface ApiFlags {
  server?: string;
  authToken?: string;
  kubeconfig?: string;
}

const truthy = (value: string | undefined) => value === '1' || value === 'true';

/**
 * Whether a command goes through the API server, and to which: `--kubeconfig` means the
 * cluster directly; `--server`/`--auth-token`, then TIPHYS_SERVER/TIPHYS_AUTH_TOKEN, then the
 * file written by `tiphys login` mean the API. Undefined means the kubeconfig (nothing says API).
 * The file's token is used only for the server it was issued by.
 */
export function resolveApiTarget(
  flags: ApiFlags,
  env: NodeJS.ProcessEnv,
  config: CliConfig,
): ApiTarget | undefined {
  const explicit = flags.server !== undefined || flags.authToken !== undefined;
  if (flags.kubeconfig !== undefined) {
    if (explicit) throw new CliError('give either --kubeconfig or --server/--auth-token, not both');
    return undefined;
  }
  const fromEnv = Boolean(env.TIPHYS_SERVER || env.TIPHYS_AUTH_TOKEN);
  const rawServer = flags.server ?? (env.TIPHYS_SERVER || undefined) ?? config.server;
  if (rawServer === undefined) {
    if (explicit || fromEnv) {
      throw new CliError('no API server: pass --server or set TIPHYS_SERVER (or run tiphys login SERVER)');
    }
    return undefined;
  }
  const server = normalizeServer(rawServer);
  const sameAsConfig = config.server !== undefined && normalizeServer(config.server) === server;
  const token =
    flags.authToken ?? (env.TIPHYS_AUTH_TOKEN || undefined) ?? (sameAsConfig ? config.token : undefined);
  if (token === undefined) {
    if (!explicit && !fromEnv) return undefined;
    throw new CliError(
      `no token for ${server}: run tiphys login ${server}, or pass --auth-token or set TIPHYS_AUTH_TOKEN`,
    );
  }
  const insecure = truthy(env.TIPHYS_INSECURE) || (sameAsConfig && config.insecure === true);
  return { server, token, insecure };
}
