// Casbin decisions over the RBAC policy. The matcher compares one request against every rule of
// every subject the caller has (user, groups, the default role, and all roles they inherit), so
// a deny anywhere overrides an allow anywhere, as the policy effect says.
import { type Enforcer, newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import { globMatch } from './glob.ts';
import type { RbacConfig } from './rbac-policy.ts';
import type { Identity, RbacAction, RbacResource } from './types.ts';

const MODEL = `
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = hasSubject(r.sub, p.sub) && glob(r.res, p.res) && glob(r.act, p.act) && glob(r.obj, p.obj)
`;

// Subjects travel to the matcher as one newline-separated string; names never hold a newline.
const SEPARATOR = '\n';

export class RbacEngine {
  readonly config: RbacConfig;
  private readonly enforcer: Enforcer;

  private constructor(config: RbacConfig, enforcer: Enforcer) {
    this.config = config;
    this.enforcer = enforcer;
  }

  static async create(config: RbacConfig): Promise<RbacEngine> {
    const csv = [
      ...config.policies.map((rule) => `p, ${rule.join(', ')}`),
      ...config.groupings.map((rule) => `g, ${rule.join(', ')}`),
    ].join('\n');
    const enforcer = await newEnforcer(newModelFromString(MODEL), new StringAdapter(csv));
    enforcer.addFunction('hasSubject', (subjects: string, subject: string) =>
      `${SEPARATOR}${subjects}${SEPARATOR}`.includes(`${SEPARATOR}${subject}${SEPARATOR}`),
    );
    enforcer.addFunction('glob', (value: string, pattern: string) => globMatch(value, pattern));
    return new RbacEngine(config, enforcer);
  }

  /** The subjects a caller acts as before role inheritance; empty means no access at all. */
  baseSubjects(identity: Identity | undefined, groupsClaim = 'groups'): string[] {
    const { defaultRole, anonymous, scopes } = this.config;
    if (!identity) return anonymous && defaultRole ? [defaultRole] : [];
    const useGroups = scopes.includes('groups') || scopes.includes(groupsClaim);
    return [identity.subject, ...(useGroups ? identity.groups : []), ...(defaultRole ? [defaultRole] : [])];
  }

  async allowed(
    identity: Identity | undefined,
    resource: RbacResource,
    action: RbacAction,
    object: string,
    groupsClaim?: string,
  ): Promise<boolean> {
    const base = this.baseSubjects(identity, groupsClaim).filter((s) => s !== '' && !s.includes(SEPARATOR));
    if (base.length === 0) return false;
    const subjects = new Set(base);
    for (const subject of base) {
      for (const role of await this.enforcer.getImplicitRolesForUser(subject)) subjects.add(role);
    }
    return this.enforcer.enforceSync([...subjects].join(SEPARATOR), resource, action, object);
  }
}
