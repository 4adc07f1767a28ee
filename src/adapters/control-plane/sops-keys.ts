// The age keys that decrypt an app's SOPS documents: Secrets in Tiphys's own namespace, each for
// one AppProject, so a tenant who copies another team's encrypted file into their repository
// cannot have Tiphys open it for them.
import type { KubeRest } from '../kube/rest.ts';
import { REPOSITORY_SECRET_LABEL } from './repo-credential-store.ts';

/** `tiphys.dev/secret-type: sops-age` marks a key Secret; `tiphys.dev/project` names its project. */
export const SOPS_SECRET_TYPE = 'sops-age';
export const SOPS_PROJECT_LABEL = 'tiphys.dev/project';

/** Where an app's age identities come from (the controller reads Secrets; tests pass a map). */
export interface SopsKeySource {
  /** The age secret keys (AGE-SECRET-KEY-1…) of the project; empty when it has none. */
  identitiesFor(project: string): Promise<string[]>;
}

interface SecretList {
  items: { data?: Record<string, string> }[];
}

/**
 * Reads the keys each time it is asked (only renders holding a SOPS document ask): a key that is
 * rotated or removed counts at once. Every data entry whose name ends in `.agekey` is an age
 * identity file (one key a line, `#` comments), as Flux names them.
 */
export class SopsKeyStore implements SopsKeySource {
  private readonly rest: KubeRest;
  private readonly namespace: string;

  constructor(rest: KubeRest, namespace: string) {
    this.rest = rest;
    this.namespace = namespace;
  }

  async identitiesFor(project: string): Promise<string[]> {
    const list = await this.rest.request<SecretList>('GET', `/api/v1/namespaces/${this.namespace}/secrets`, {
      query: {
        labelSelector: `${REPOSITORY_SECRET_LABEL}=${SOPS_SECRET_TYPE},${SOPS_PROJECT_LABEL}=${project}`,
      },
    });
    const identities: string[] = [];
    for (const secret of list.items) {
      for (const [name, value] of Object.entries(secret.data ?? {})) {
        if (!name.endsWith('.agekey')) continue;
        for (const line of Buffer.from(value, 'base64').toString('utf8').split('\n')) {
          const key = line.trim();
          if (key.startsWith('AGE-SECRET-KEY-')) identities.push(key);
        }
      }
    }
    return identities;
  }
}
