// Who is told about what (pure): annotations on the Application and on its AppProject,
//   notifications.tiphys.dev/subscribe.<trigger>.<service>: <recipient>;<recipient>
// and Argo CD's `notifications.argoproj.io/subscribe.<trigger>.<service>`, read the same way,
// so apps moved from Argo CD keep their subscriptions. A subscription names a configured service;
// it can never carry a URL or a credential (see services.ts for what a recipient may be).

export const SUBSCRIBE_PREFIXES = [
  'notifications.tiphys.dev/subscribe.',
  'notifications.argoproj.io/subscribe.',
];

export interface Subscription {
  trigger: string;
  service: string;
  recipients: string[];
  /** Where it was written (for messages): the app, its project, a Cluster, the notifications ConfigMap. */
  from: 'application' | 'project' | 'cluster' | 'config';
}

/** Subscriptions of the annotations; a key with an empty trigger or service is skipped. */
export function subscriptionsOf(
  annotations: Readonly<Record<string, string>> | undefined,
  from: Subscription['from'],
): Subscription[] {
  const subscriptions: Subscription[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const prefix = SUBSCRIBE_PREFIXES.find((p) => key.startsWith(p));
    if (!prefix) continue;
    const rest = key.slice(prefix.length);
    // The service is the last segment; trigger names have no dots, service names may not either.
    const dot = rest.indexOf('.');
    if (dot <= 0 || dot === rest.length - 1) continue;
    const trigger = rest.slice(0, dot);
    const service = rest.slice(dot + 1);
    const recipients = value
      .split(/[;,]/)
      .map((r) => r.trim())
      .filter((r) => r !== '');
    subscriptions.push({ trigger, service, recipients, from });
  }
  return subscriptions;
}

/** The app's subscriptions and its project's, the same (trigger, service, recipient) once. */
export function mergedSubscriptions(
  appAnnotations: Readonly<Record<string, string>> | undefined,
  projectAnnotations: Readonly<Record<string, string>> | undefined,
): Subscription[] {
  const all = [
    ...subscriptionsOf(projectAnnotations, 'project'),
    ...subscriptionsOf(appAnnotations, 'application'),
  ];
  const seen = new Set<string>();
  const out: Subscription[] = [];
  for (const sub of all) {
    const recipients = (sub.recipients.length > 0 ? sub.recipients : ['']).filter((r) => {
      const key = JSON.stringify([sub.trigger, sub.service, r]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (recipients.length > 0) out.push({ ...sub, recipients: recipients.filter((r) => r !== '') });
  }
  return out;
}
