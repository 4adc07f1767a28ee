// The notification settings of an installation (pure): the ConfigMap `tiphys-notifications-cm`
// of the control namespace (services, templates, triggers, context) with `$key` references into
// the Secret `tiphys-notifications-secret`. Each bad key is reported by name and left out; the
// others keep working. Secret values are collected so every message can be masked with them.
import { parse as parseYaml } from 'yaml';
import {
  CLUSTER_SUBSCRIPTIONS_KEY,
  CLUSTER_TEMPLATES,
  CLUSTER_TRIGGERS,
  isClusterTrigger,
  parseClusterSubscriptions,
} from './cluster-notifications.ts';
import type { Subscription } from './subscriptions.ts';
import { BUILTIN_TEMPLATES, type Template } from './templates.ts';
import {
  BUILTIN_TRIGGERS,
  type CompiledTrigger,
  compileTrigger,
  NotificationConfigError,
  type Trigger,
} from './triggers.ts';

export const NOTIFICATIONS_CONFIGMAP = 'tiphys-notifications-cm';
export const NOTIFICATIONS_SECRET = 'tiphys-notifications-secret';

export type ServiceType = 'webhook' | 'slack' | 'teams' | 'email';
const SERVICE_TYPES: readonly ServiceType[] = ['webhook', 'slack', 'teams', 'email'];

interface ServiceBase {
  name: string;
  /** Globs of AppProject names whose apps may use the service; absent: every project. */
  projects?: string[];
}
export type ServiceConfig =
  | (ServiceBase & { type: 'webhook'; url: string; hmacSecret?: string; headers: Record<string, string> })
  | (ServiceBase & { type: 'slack'; token?: string; webhookUrl?: string; apiUrl: string })
  | (ServiceBase & { type: 'teams'; webhookUrl?: string; recipientUrls: Record<string, string> })
  | (ServiceBase & {
      type: 'email';
      host: string;
      port: number;
      secure: boolean;
      from: string;
      username?: string;
      password?: string;
      /** Globs of the domains mail may go to; absent: any. */
      recipientDomains?: string[];
    });

export interface DeliverySettings {
  /** Attempts after the first failure. */
  retries: number;
  /** Wait before the first retry; doubles after each. */
  backoffMs: number;
  timeoutMs: number;
}

export interface NotificationConfig {
  services: Map<string, ServiceConfig>;
  triggers: CompiledTrigger[];
  /** Triggers named on-cluster-… and the subscriptions of every Cluster (cluster-notifications.ts). */
  clusterTriggers: CompiledTrigger[];
  clusterSubscriptions: Subscription[];
  templates: Map<string, Template>;
  context: Record<string, string>;
  delivery: DeliverySettings;
  /** One message per key that could not be read (no secret value in them). */
  errors: string[];
  /** Every secret value the services use, to mask in messages. */
  secrets: string[];
}

const DEFAULT_DELIVERY: DeliverySettings = { retries: 3, backoffMs: 1_000, timeoutMs: 10_000 };

type Fields = Record<string, unknown>;

export function parseNotificationConfig(
  data: Readonly<Record<string, string>>,
  secretData: Readonly<Record<string, string>>,
): NotificationConfig {
  const config: NotificationConfig = {
    services: new Map(),
    triggers: [],
    clusterTriggers: [],
    clusterSubscriptions: [],
    templates: new Map([...BUILTIN_TEMPLATES, ...CLUSTER_TEMPLATES].map((t) => [t.name, t])),
    context: {},
    delivery: { ...DEFAULT_DELIVERY },
    errors: [],
    secrets: [],
  };
  const triggers = new Map<string, Trigger>(
    [...BUILTIN_TRIGGERS, ...CLUSTER_TRIGGERS].map((t) => [t.name, t]),
  );
  for (const [key, text] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    try {
      if (key.startsWith('service.')) {
        const service = parseService(key, fields(key, text), secretData, config.secrets);
        config.services.set(service.name, service);
      } else if (key.startsWith('template.')) {
        const template = parseTemplate(key.slice('template.'.length), fields(key, text));
        config.templates.set(template.name, template);
      } else if (key.startsWith('trigger.')) {
        const name = key.slice('trigger.'.length);
        triggers.set(name, parseTrigger(name, parseYaml(text, { maxAliasCount: 10 })));
      } else if (key === CLUSTER_SUBSCRIPTIONS_KEY) {
        config.clusterSubscriptions = parseClusterSubscriptions(text);
      } else if (key === 'context') config.context = stringMap(key, fields(key, text));
      else if (key === 'delivery') config.delivery = parseDelivery(fields(key, text));
    } catch (error) {
      config.errors.push(`${NOTIFICATIONS_CONFIGMAP} key ${key}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  for (const trigger of triggers.values()) {
    try {
      (isClusterTrigger(trigger.name) ? config.clusterTriggers : config.triggers).push(
        compileTrigger(trigger),
      );
    } catch (error) {
      config.errors.push(
        `${NOTIFICATIONS_CONFIGMAP} key trigger.${trigger.name}: ${(error as Error).message}`,
      );
    }
  }
  return config;
}

function fields(key: string, text: string): Fields {
  const value = parseYaml(text, { maxAliasCount: 10 }) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new NotificationConfigError(`expected a YAML map in ${key}`);
  return value as Fields;
}

function stringMap(what: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new NotificationConfigError(`${what} must be a map`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function parseService(
  key: string,
  f: Fields,
  secretData: Readonly<Record<string, string>>,
  secrets: string[],
): ServiceConfig {
  const [, type, ...nameParts] = key.split('.');
  if (!SERVICE_TYPES.includes(type as ServiceType))
    throw new NotificationConfigError(
      `unknown service type ${JSON.stringify(type)} (one of ${SERVICE_TYPES.join(', ')})`,
    );
  const name = nameParts.length > 0 ? nameParts.join('.') : type;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name))
    throw new NotificationConfigError('a service name is letters, digits, - and _ (no dots)');
  // `$key` reads the Secret; a value written inline is used as is (and masked all the same).
  const secret = (field: string): string | undefined => {
    const value = f[field];
    if (value === undefined || value === null || value === '') return undefined;
    const text = String(value);
    if (!text.startsWith('$')) {
      secrets.push(text);
      return text;
    }
    const found = secretData[text.slice(1)];
    if (found === undefined)
      throw new NotificationConfigError(
        `${field}: key ${text.slice(1)} is not in Secret ${NOTIFICATIONS_SECRET}`,
      );
    secrets.push(found);
    return found;
  };
  const plain = (field: string): string | undefined =>
    f[field] === undefined ? undefined : String(f[field]);
  const projects = f.projects === undefined ? undefined : (f.projects as unknown[]).map(String);
  const base = { name, ...(projects ? { projects } : {}) };
  const url = (field: string, value: string | undefined): string | undefined => {
    if (value !== undefined && !/^https?:\/\//.test(value))
      throw new NotificationConfigError(`${field} must be an http(s) URL`);
    return value;
  };
  switch (type as ServiceType) {
    case 'webhook': {
      const target = url('url', secret('url'));
      if (!target) throw new NotificationConfigError('url is required');
      const hmacSecret = secret('secret');
      return {
        ...base,
        type: 'webhook',
        url: target,
        ...(hmacSecret ? { hmacSecret } : {}),
        headers: stringMap('headers', f.headers),
      };
    }
    case 'slack': {
      const token = secret('token');
      const webhookUrl = url('webhookUrl', secret('webhookUrl'));
      if (!token && !webhookUrl)
        throw new NotificationConfigError('needs token (a bot token) or webhookUrl (an incoming webhook)');
      const apiUrl = url('apiUrl', plain('apiUrl')) ?? 'https://slack.com/api';
      return {
        ...base,
        type: 'slack',
        apiUrl,
        ...(token ? { token } : {}),
        ...(webhookUrl ? { webhookUrl } : {}),
      };
    }
    case 'teams': {
      const webhookUrl = url('webhookUrl', secret('webhookUrl'));
      const recipientUrls: Record<string, string> = {};
      for (const [channel, ref] of Object.entries(stringMap('recipientUrls', f.recipientUrls))) {
        const value = ref.startsWith('$') ? secretData[ref.slice(1)] : ref;
        if (value === undefined)
          throw new NotificationConfigError(
            `recipientUrls.${channel}: key ${ref.slice(1)} is not in Secret ${NOTIFICATIONS_SECRET}`,
          );
        secrets.push(value);
        recipientUrls[channel] = url(`recipientUrls.${channel}`, value) as string;
      }
      if (!webhookUrl && Object.keys(recipientUrls).length === 0)
        throw new NotificationConfigError('needs webhookUrl or recipientUrls');
      return { ...base, type: 'teams', recipientUrls, ...(webhookUrl ? { webhookUrl } : {}) };
    }
    case 'email': {
      const host = plain('host');
      const from = plain('from');
      if (!host || !from) throw new NotificationConfigError('host and from are required');
      const port = Number(f.port ?? 587);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new NotificationConfigError('port must be 1-65535');
      const username = secret('username');
      const password = secret('password');
      const domains =
        f.recipientDomains === undefined ? undefined : (f.recipientDomains as unknown[]).map(String);
      return {
        ...base,
        type: 'email',
        host,
        port,
        secure: f.secure === true,
        from,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(domains ? { recipientDomains: domains } : {}),
      };
    }
  }
}

function parseTemplate(name: string, f: Fields): Template {
  if (typeof f.message !== 'string') throw new NotificationConfigError('message (a string) is required');
  const webhook = f.webhook === undefined ? undefined : (f.webhook as Template['webhook']);
  if (webhook !== undefined && (typeof webhook !== 'object' || Array.isArray(webhook)))
    throw new NotificationConfigError('webhook must map service names to {method, path, body}');
  return {
    name,
    message: f.message,
    ...(typeof f.title === 'string'
      ? { title: f.title }
      : typeof f.subject === 'string'
        ? { title: f.subject }
        : {}),
    ...(webhook ? { webhook } : {}),
  };
}

/** `{when, oncePer?, send?}`, or Argo CD's list of one such entry. */
function parseTrigger(name: string, value: unknown): Trigger {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name))
    throw new NotificationConfigError('a trigger name is letters, digits, - and _ (no dots)');
  const list = Array.isArray(value) ? value : [value];
  if (list.length !== 1)
    throw new NotificationConfigError('one condition per trigger: write another trigger for another');
  const entry = list[0] as Fields | null;
  if (!entry || typeof entry.when !== 'string')
    throw new NotificationConfigError('when (a CEL expression) is required');
  const send = entry.send === undefined ? [name] : (entry.send as unknown[]).map(String);
  return {
    name,
    when: entry.when,
    ...(typeof entry.oncePer === 'string' ? { oncePer: entry.oncePer } : {}),
    send,
  };
}

function parseDelivery(f: Fields): DeliverySettings {
  const int = (field: keyof DeliverySettings, min: number, max: number): number => {
    const value = f[field] ?? DEFAULT_DELIVERY[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new NotificationConfigError(`${field} must be an integer from ${min} to ${max}`);
    return value;
  };
  return {
    retries: int('retries', 0, 10),
    backoffMs: int('backoffMs', 10, 600_000),
    timeoutMs: int('timeoutMs', 100, 120_000),
  };
}
