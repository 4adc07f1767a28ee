// Sessions revoked by logout before they expire: ConfigMap `tiphys-revoked-sessions` maps the
// session id to its expiry (ids are random and not secret). An entry is useless once the session
// has expired anyway, so every write drops those: the list stays bounded by the session lifetime.
import type { KubeRest } from '../../adapters/kube/rest.ts';
import { CachedDocument } from './cached-document.ts';

export const REVOKED_SESSIONS_CONFIGMAP = 'tiphys-revoked-sessions';

export class SessionRevocations {
  private readonly document: CachedDocument;
  private readonly now: () => number;

  constructor(rest: KubeRest, namespace: string, now: () => number) {
    this.now = now;
    this.document = new CachedDocument({
      rest,
      namespace,
      kind: 'configmaps',
      name: REVOKED_SESSIONS_CONFIGMAP,
      now,
    });
  }

  async isRevoked(id: string): Promise<boolean> {
    return Object.hasOwn(await this.document.read(), id);
  }

  async revoke(id: string, expiresAtSeconds: number): Promise<void> {
    const now = Math.floor(this.now() / 1000);
    await this.document.update((data) => ({
      ...Object.fromEntries(Object.entries(data).filter(([, exp]) => Number(exp) > now)),
      [id]: String(expiresAtSeconds),
    }));
  }
}
