// The installation's notification settings, read from the ConfigMap and the Secret of the
// control namespace and kept for a few seconds (a reconcile of every app asks for them).
// Missing objects mean "no services": notifications are optional.
import {
  NOTIFICATIONS_CONFIGMAP,
  NOTIFICATIONS_SECRET,
  type NotificationConfig,
  parseNotificationConfig,
} from '../../core/notifications/config.ts';
import type { KubeRest } from '../kube/rest.ts';

const TTL_MS = 3_000;

export class NotificationSettings {
  private readonly rest: KubeRest;
  private readonly namespace: string;
  private cached: { at: number; config: Promise<NotificationConfig> } | undefined;

  constructor(rest: KubeRest, namespace: string) {
    this.rest = rest;
    this.namespace = namespace;
  }

  get(): Promise<NotificationConfig> {
    if (this.cached && Date.now() - this.cached.at < TTL_MS) return this.cached.config;
    const config = this.read();
    this.cached = { at: Date.now(), config };
    // A failed read is not kept: the next call tries again.
    config.catch(() => {
      if (this.cached?.config === config) this.cached = undefined;
    });
    return config;
  }

  private async read(): Promise<NotificationConfig> {
    const base = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}`;
    const [cm, secret] = await Promise.all([
      this.optional<{ data?: Record<string, string> }>(`${base}/configmaps/${NOTIFICATIONS_CONFIGMAP}`),
      this.optional<{ data?: Record<string, string> }>(`${base}/secrets/${NOTIFICATIONS_SECRET}`),
    ]);
    const secretData = Object.fromEntries(
      Object.entries(secret?.data ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value, 'base64').toString('utf8'),
      ]),
    );
    return parseNotificationConfig(cm?.data ?? {}, secretData);
  }

  private async optional<T>(path: string): Promise<T | undefined> {
    try {
      return await this.rest.request<T>('GET', path);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }
}
