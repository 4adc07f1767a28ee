// Notification templates (pure): what a message says. Placeholders `{{app.metadata.name}}` (or
// Argo CD's `{{.app.metadata.name}}`) are replaced by the value at that path of the context;
// nothing else is evaluated, so a template can read the Application and the installation's
// context values, never a secret or a function.

export interface Template {
  name: string;
  /** The text every service sends (Slack, Teams, the webhook's default body, the email body). */
  message: string;
  /** Email subject and Slack/Teams title. */
  title?: string;
  /** Webhook per service name: method, path appended to the service URL, body. */
  webhook?: Record<string, { method?: string; path?: string; body?: string }>;
}

export interface RenderContext {
  app?: unknown;
  /** A Cluster's notification view (cluster-notifications.ts), for cluster triggers. */
  cluster?: unknown;
  /** Installation values from the ConfigMap's `context` key (a UI URL, an environment name). */
  context: Record<string, string>;
  trigger: string;
}

const app = (path: string) => `{{app.${path}}}`;
const name = app('metadata.name');
const revision = app('status.operationState.syncResult.revision');

/** One template per built-in trigger, named as Argo CD names them. */
export const BUILTIN_TEMPLATES: readonly Template[] = [
  { name: 'app-created', title: `${name} created`, message: `Application ${name} has been created.` },
  { name: 'app-deleted', title: `${name} deleted`, message: `Application ${name} has been deleted.` },
  {
    name: 'app-deployed',
    title: `${name} deployed`,
    message: `Application ${name} is now running revision ${revision}, synced and healthy.`,
  },
  {
    name: 'app-health-degraded',
    title: `${name} degraded`,
    message: `Application ${name} is Degraded: ${app('status.health.message')}`,
  },
  {
    name: 'app-sync-failed',
    title: `${name} sync failed`,
    message: `The sync of application ${name} failed at ${app('status.operationState.finishedAt')}: ${app('status.operationState.message')}`,
  },
  {
    name: 'app-sync-running',
    title: `${name} syncing`,
    message: `The sync of application ${name} started at ${app('status.operationState.startedAt')}.`,
  },
  {
    name: 'app-sync-status-unknown',
    title: `${name} sync status unknown`,
    message: `The sync status of application ${name} is Unknown: ${app('status.conditions.0.message')}`,
  },
  {
    name: 'app-sync-succeeded',
    title: `${name} synced`,
    message: `Application ${name} has been synced at ${app('status.operationState.finishedAt')} (revision ${revision}).`,
  },
];

const PLACEHOLDER = /\{\{\s*\.?([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g;
/** Rendered texts are cut here: a template over a huge status must not make a huge message. */
const MAX_RENDERED = 16_384;

/** Replaces each placeholder by the value at its path (objects as JSON; absent: empty). */
export function renderText(text: string, context: RenderContext): string {
  const root: Record<string, unknown> = {
    ...(context.app !== undefined ? { app: context.app } : {}),
    ...(context.cluster !== undefined ? { cluster: context.cluster } : {}),
    context: context.context,
    trigger: context.trigger,
  };
  const out = text.replace(PLACEHOLDER, (_match, path: string) => {
    let value: unknown = root;
    for (const part of path.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return '';
      value = (value as Record<string, unknown>)[part];
    }
    if (value === undefined || value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
  return out.length > MAX_RENDERED ? `${out.slice(0, MAX_RENDERED)}…` : out;
}

export interface RenderedMessage {
  title: string;
  message: string;
  webhook?: Template['webhook'];
}

export function renderTemplate(template: Template, context: RenderContext): RenderedMessage {
  const webhook = template.webhook
    ? Object.fromEntries(
        Object.entries(template.webhook).map(([service, hook]) => [
          service,
          {
            ...(hook.method ? { method: hook.method } : {}),
            ...(hook.path !== undefined ? { path: renderText(hook.path, context) } : {}),
            ...(hook.body !== undefined ? { body: renderText(hook.body, context) } : {}),
          },
        ]),
      )
    : undefined;
  return {
    // One of the two names is empty: a message is about an app or a cluster.
    title: renderText(template.title ?? `${name}{{cluster.metadata.name}}: ${context.trigger}`, context),
    message: renderText(template.message, context),
    ...(webhook ? { webhook } : {}),
  };
}
