// Calls of the v1 API. Every failure becomes an ApiError carrying the server's own message
// (`{error}` bodies), so the UI can show it as is; a 401 also tells the session to log out.
import type {
  AppDiff,
  Application,
  ApplicationList,
  ApplicationSet,
  AppWindows,
  Cluster,
  KubeEvent,
  LogOptions,
  Manifests,
  Pipeline,
  PodContainers,
  ProjectWindows,
  Repository,
  ResourceActionList,
  ResourceRef,
  ResourceTree,
  SyncRequest,
  UserInfo,
} from './types.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized: () => void = () => {};

/** Called on every 401 except the login call itself (a wrong password is not a lost session). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** The double-submit token the server set beside the session cookie (docs/api.md, Authentication). */
function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'tiphys.csrf') return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * Reads ask for JSON; writes always send a JSON body (`{}` when there is nothing to say) with
 * the double-submit token: the server refuses cookie-authenticated writes without them.
 */
function requestInit(method: string, body: unknown): RequestInit {
  if (method === 'GET' || method === 'HEAD') {
    return { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  }
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  const token = csrfToken();
  if (token) headers['x-tiphys-csrf'] = token;
  return { method, credentials: 'same-origin', headers, body: JSON.stringify(body ?? {}) };
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, requestInit(method, body));
  } catch {
    throw new ApiError('Cannot reach the Tiphys server; check your connection and try again.', 0);
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const message =
      (data as { error?: string } | undefined)?.error ??
      (text && text.length < 300 ? text : `${response.status} ${response.statusText}`);
    if (response.status === 401 && path !== '/api/v1/session') onUnauthorized();
    throw new ApiError(message, response.status);
  }
  return data as T;
}

const enc = encodeURIComponent;
const appPath = (name: string) => `/api/v1/applications/${enc(name)}`;

/** One object of the app in a query (its Pods' logs), or nothing for all of the app's Pods. */
const podsQuery = (ref: ResourceRef | undefined) =>
  ref ? { group: ref.group ?? '', kind: ref.kind, namespace: ref.namespace, name: ref.name } : {};

function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** One object of an app, as the resource routes take it (group '' for the core group). */
function refQuery(ref: ResourceRef): string {
  const search = new URLSearchParams({
    group: ref.group ?? '',
    kind: ref.kind,
    namespace: ref.namespace ?? '',
    name: ref.name,
  });
  return `?${search.toString()}`;
}

/** List endpoints may answer `{items}` or a bare array; both read the same. */
function itemsOf<T>(data: { items?: T[] } | T[] | undefined): T[] {
  if (Array.isArray(data)) return data;
  return data?.items ?? [];
}

export const api = {
  login: (username: string, password: string) =>
    request<{ token: string }>('POST', '/api/v1/session', { username, password }),
  logout: () => request<void>('DELETE', '/api/v1/session'),
  userInfo: () => request<UserInfo>('GET', '/api/v1/session/userinfo'),

  listApplications: (params: { limit?: number; offset?: number } = {}) =>
    request<ApplicationList>('GET', `/api/v1/applications${query(params)}`),
  getApplication: (name: string) => request<Application>('GET', appPath(name)),
  deleteApplication: (name: string, cascade: boolean) =>
    request<void>('DELETE', `${appPath(name)}${query({ cascade })}`),
  resourceTree: (name: string) => request<ResourceTree>('GET', `${appPath(name)}/resource-tree`),
  manifests: (name: string, ref: ResourceRef) =>
    request<Manifests>(
      'GET',
      `${appPath(name)}/manifests${query({ group: ref.group ?? '', kind: ref.kind, namespace: ref.namespace, name: ref.name })}`,
    ),
  diff: (name: string) => request<AppDiff>('GET', `${appPath(name)}/diff`),
  preview: (name: string, revision: string) =>
    request<AppDiff>('POST', `${appPath(name)}/preview`, { revision }),
  events: async (name: string) =>
    itemsOf(await request<{ items: KubeEvent[] }>('GET', `${appPath(name)}/events`)),
  sync: (name: string, body: SyncRequest) => request<unknown>('POST', `${appPath(name)}/sync`, body),
  refresh: (name: string) => request<unknown>('POST', `${appPath(name)}/refresh`),
  rollback: (name: string, id: number) => request<unknown>('POST', `${appPath(name)}/rollback`, { id }),
  appWindows: (name: string) => request<AppWindows>('GET', `${appPath(name)}/windows`),
  projectWindows: (name: string) => request<ProjectWindows>('GET', `/api/v1/projects/${enc(name)}/windows`),

  listPipelines: async () => itemsOf(await request<{ items: Pipeline[] }>('GET', '/api/v1/pipelines')),
  stageAction: (
    pipeline: string,
    stage: string,
    verb: 'approve' | 'promote' | 'rollback',
    freight?: string,
  ) =>
    request<{ message: string }>(
      'POST',
      `/api/v1/pipelines/${enc(pipeline)}/stages/${enc(stage)}/${verb}`,
      freight ? { freight } : {},
    ),
  resourceActions: (name: string, ref: ResourceRef) =>
    request<ResourceActionList>('GET', `${appPath(name)}/resource/actions${refQuery(ref)}`),
  runResourceAction: (
    name: string,
    ref: ResourceRef,
    action: string,
    params: { name: string; value: string }[],
  ) =>
    request<{ message: string; changed: boolean }>(
      'POST',
      `${appPath(name)}/resource/actions${refQuery(ref)}`,
      {
        action,
        ...(params.length > 0 ? { params } : {}),
      },
    ),
  /** The logs route's URL; read as a stream by lib/log-stream.ts. */
  logsUrl: (name: string, ref: ResourceRef | undefined, options: LogOptions) =>
    `${appPath(name)}/logs${query({
      ...podsQuery(ref),
      container: options.container || undefined,
      follow: options.follow || undefined,
      previous: options.previous || undefined,
      tailLines: options.tailLines,
      sinceSeconds: options.sinceSeconds,
    })}`,
  logContainers: async (name: string, ref: ResourceRef | undefined) =>
    itemsOf(
      await request<{ items: PodContainers[] }>(
        'GET',
        `${appPath(name)}/logs/containers${query(podsQuery(ref))}`,
      ),
    ),

  listApplicationSets: async () =>
    itemsOf(await request<{ items: ApplicationSet[] }>('GET', '/api/v1/applicationsets')),
  getApplicationSet: (name: string) => request<ApplicationSet>('GET', `/api/v1/applicationsets/${enc(name)}`),
  rolloutAction: (name: string, action: 'resume' | 'abort') =>
    request<{ message: string }>('POST', `/api/v1/applicationsets/${enc(name)}/rollout/${action}`),
  listClusters: async () => itemsOf(await request<{ items: Cluster[] }>('GET', '/api/v1/clusters')),
  getCluster: (name: string) => request<Cluster>('GET', `/api/v1/clusters/${enc(name)}`),
  clusterEvents: async (name: string) =>
    itemsOf(await request<{ items: KubeEvent[] }>('GET', `/api/v1/clusters/${enc(name)}/events`)),
  approveRecovery: (name: string) =>
    request<{ message: string }>('POST', `/api/v1/clusters/${enc(name)}/recovery/approve`),
  /** The server's RBAC decision for the caller; the route itself checks again. */
  canI: async (resource: string, action: string, object: string) =>
    (
      await request<{ allowed: boolean }>(
        'GET',
        `/api/v1/account/can-i${query({ resource, action, object })}`,
      )
    ).allowed,
  listRepositories: async () =>
    itemsOf(await request<{ items: Repository[] }>('GET', '/api/v1/repositories')),
};

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
