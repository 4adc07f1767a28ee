// A Secret or ConfigMap read through a short-lived cache: requests in the hot path (every API
// call checks revocations and API tokens) cost no API-server round trip, while changes made by
// another replica are seen within `ttlMs`. Writes from this process update the cache at once.

import { readDocument, type StoreKind, updateDocument } from '../../adapters/control-plane/document-store.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';

export class CachedDocument {
  private readonly rest: KubeRest;
  private readonly namespace: string;
  private readonly kind: StoreKind;
  private readonly name: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private cached: { at: number; data: Record<string, string> } | undefined;
  private loading: Promise<Record<string, string>> | undefined;

  constructor(options: {
    rest: KubeRest;
    namespace: string;
    kind: StoreKind;
    name: string;
    now: () => number;
    ttlMs?: number;
  }) {
    this.rest = options.rest;
    this.namespace = options.namespace;
    this.kind = options.kind;
    this.name = options.name;
    this.now = options.now;
    this.ttlMs = options.ttlMs ?? 5_000;
  }

  /** The current data (empty when the object does not exist), at most `maxAgeMs` old. */
  async read(maxAgeMs = this.ttlMs): Promise<Readonly<Record<string, string>>> {
    // Compared both ways: a clock moved backwards must not pin a stale copy forever.
    const age = this.cached ? this.now() - this.cached.at : Number.POSITIVE_INFINITY;
    if (this.cached && age >= 0 && age < maxAgeMs) return this.cached.data;
    this.loading ??= readDocument(this.rest, this.namespace, this.kind, this.name)
      .then((document) => {
        const data = document?.data ?? {};
        this.cached = { at: this.now(), data };
        return data;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  async update(change: (data: Record<string, string>) => Record<string, string>): Promise<void> {
    const written = await updateDocument(this.rest, this.namespace, this.kind, this.name, change);
    this.cached = { at: this.now(), data: written.data };
  }
}
