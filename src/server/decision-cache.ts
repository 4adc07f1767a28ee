// `get` decisions remembered for two seconds per caller and object. Listing thousands of apps asks
// the policy once per app; a UI that lists again, and every live-update event, would ask the
// same questions again. The policy itself is re-read every few seconds, so this adds little
// staleness, and only to what a caller may see (writes always ask the policy).
import type { AuthService, Identity, RbacResource } from './auth/index.ts';

const TTL_MS = 2_000;
const MAX_CALLERS = 1_000;

export class GetDecisionCache {
  private readonly auth: AuthService;
  private readonly now: () => number;
  private readonly callers = new Map<string, { at: number; decisions: Map<string, boolean> }>();

  constructor(auth: AuthService, now: () => number = Date.now) {
    this.auth = auth;
    this.now = now;
  }

  async mayGet(identity: Identity | undefined, resource: RbacResource, object: string): Promise<boolean> {
    return (await this.filter(identity, resource, [object], (o) => o)).length === 1;
  }

  /** The items whose object the caller may get; remembered answers cost no await. */
  async filter<T>(
    identity: Identity | undefined,
    resource: RbacResource,
    items: readonly T[],
    objectOf: (item: T) => string,
  ): Promise<T[]> {
    const decisions = this.decisionsOf(identity);
    const allowed: T[] = [];
    for (const item of items) {
      const key = `${resource}\n${objectOf(item)}`;
      let decision = decisions.get(key);
      if (decision === undefined) {
        decision = await this.auth.enforce(identity, resource, 'get', objectOf(item));
        decisions.set(key, decision);
      }
      if (decision) allowed.push(item);
    }
    return allowed;
  }

  private decisionsOf(identity: Identity | undefined): Map<string, boolean> {
    const caller = identity ? `${identity.kind}\n${identity.subject}\n${identity.groups.join('\n')}` : '';
    const now = this.now();
    const entry = this.callers.get(caller);
    if (entry && now - entry.at < TTL_MS && now >= entry.at) return entry.decisions;
    if (this.callers.size >= MAX_CALLERS) this.callers.clear();
    const fresh = { at: now, decisions: new Map<string, boolean>() };
    this.callers.set(caller, fresh);
    return fresh.decisions;
  }
}
