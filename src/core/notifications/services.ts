// What to send where (pure): a rendered message, a configured service and a recipient become a
// request the adapter performs. The checks a tenant cannot get around live here: the service
// must be one the app's project was given, and a recipient is only ever a channel name, a key
// of the service's own URL list, or an email address in the allowed domains; never a URL. So a
// subscription cannot send the installation's credentials, or anything else, to a host the
// administrator did not configure.
import { wildcardMatch } from '../glob/glob.ts';
import type { ServiceConfig } from './config.ts';
import type { RenderedMessage } from './templates.ts';

export type DeliveryPlan =
  | {
      kind: 'http';
      url: string;
      method: string;
      headers: Record<string, string>;
      body: string;
      /** HMAC-SHA256 key for the X-Tiphys-Signature-256 header. */
      hmacSecret?: string;
    }
  | {
      kind: 'smtp';
      server: { host: string; port: number; secure: boolean; username?: string; password?: string };
      mail: { from: string; to: string; subject: string; text: string };
    };

export type Planned = { plan: DeliveryPlan } | { refused: string };

const CHANNEL = /^[#@]?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+)$/;

export function planDelivery(
  service: ServiceConfig,
  recipient: string,
  message: RenderedMessage,
  project: string,
): Planned {
  if (service.projects && !service.projects.some((glob) => wildcardMatch(glob, project)))
    return { refused: `service ${service.name} is not available to project ${project}` };
  const json = (value: unknown) => JSON.stringify(value);
  const jsonHeaders = { 'content-type': 'application/json' };
  switch (service.type) {
    case 'webhook': {
      // The URL is the service's; a recipient, if any, is ignored (it cannot redirect the call).
      const hook = message.webhook?.[service.name];
      const base = service.url.replace(/\/+$/, '');
      const path = hook?.path ? `/${hook.path.replace(/^\/+/, '')}` : '';
      const body = hook?.body ?? json({ title: message.title, message: message.message });
      return {
        plan: {
          kind: 'http',
          url: `${base}${path}`,
          method: (hook?.method ?? 'POST').toUpperCase(),
          headers: { ...jsonHeaders, ...service.headers },
          body,
          ...(service.hmacSecret ? { hmacSecret: service.hmacSecret } : {}),
        },
      };
    }
    case 'slack': {
      if (service.token) {
        if (!CHANNEL.test(recipient))
          return {
            refused: `slack recipient ${JSON.stringify(recipient.slice(0, 80))} is not a channel name`,
          };
        return {
          plan: {
            kind: 'http',
            url: `${service.apiUrl.replace(/\/+$/, '')}/chat.postMessage`,
            method: 'POST',
            headers: { ...jsonHeaders, authorization: `Bearer ${service.token}` },
            body: json({ channel: recipient, text: `*${message.title}*\n${message.message}` }),
          },
        };
      }
      return {
        plan: {
          kind: 'http',
          url: service.webhookUrl as string,
          method: 'POST',
          headers: jsonHeaders,
          body: json({ text: `*${message.title}*\n${message.message}` }),
        },
      };
    }
    case 'teams': {
      const url = recipient === '' ? service.webhookUrl : service.recipientUrls[recipient];
      if (!url || (recipient !== '' && !Object.hasOwn(service.recipientUrls, recipient)))
        return {
          refused: `teams recipient ${JSON.stringify(recipient.slice(0, 80))} is not one of service ${service.name}'s recipientUrls`,
        };
      return {
        plan: {
          kind: 'http',
          url,
          method: 'POST',
          headers: jsonHeaders,
          body: json({
            '@type': 'MessageCard',
            '@context': 'https://schema.org/extensions',
            summary: message.title,
            title: message.title,
            text: message.message,
          }),
        },
      };
    }
    case 'email': {
      const match = EMAIL.exec(recipient);
      if (!match)
        return { refused: `email recipient ${JSON.stringify(recipient.slice(0, 80))} is not an address` };
      const domain = match[1].toLowerCase();
      if (service.recipientDomains && !service.recipientDomains.some((glob) => wildcardMatch(glob, domain)))
        return { refused: `email to domain ${domain} is not allowed by service ${service.name}` };
      return {
        plan: {
          kind: 'smtp',
          server: {
            host: service.host,
            port: service.port,
            secure: service.secure,
            ...(service.username ? { username: service.username } : {}),
            ...(service.password ? { password: service.password } : {}),
          },
          mail: { from: service.from, to: recipient, subject: message.title, text: message.message },
        },
      };
    }
  }
}

/** The text with every secret value replaced (error messages of HTTP clients quote URLs). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
