// Credentials Secrets in the control namespace, one per repository or cluster, labelled with
// what they are for so the controller finds them and nobody's other Secrets are touched. Values
// are written, never read back out or put in a message.
import { apiStatus, secretPath } from '../adapters/control-plane/paths.ts';
import { PART_OF_LABEL } from '../core/model/common.ts';
import type { ControlPlane } from './control-plane.ts';
import { SecretExistsError } from './errors.ts';

/** Label that tells the controller what a credentials Secret is for. */
export const SECRET_TYPE_LABEL = 'tiphys.dev/secret-type';

export type CredentialsKind = 'repository' | 'cluster';

/** The labels of a credentials Secret of this kind. */
export function credentialsLabels(kind: CredentialsKind): Record<string, string> {
  return { [SECRET_TYPE_LABEL]: kind, ...PART_OF_LABEL };
}

/**
 * Creates a Secret, or replaces its data when `replace` is set (else an existing one is a
 * SecretExistsError). `data` is plain text; it is encoded here. Returns whether it was new.
 */
export async function upsertSecret(
  cp: ControlPlane,
  name: string,
  labels: Record<string, string>,
  data: Record<string, string>,
  replace: boolean,
): Promise<boolean> {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace: cp.namespace, labels },
    // `data`, not `stringData`: on replace, keys no longer given must go, not linger.
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
  try {
    await cp.rest.request('POST', secretPath(cp.namespace), { body: secret });
    return true;
  } catch (error) {
    if (apiStatus(error) !== 409) throw error;
    if (!replace) throw new SecretExistsError(name, cp.namespace);
  }
  const existing = await cp.rest.request<{ metadata: { resourceVersion: string } }>(
    'GET',
    secretPath(cp.namespace, name),
  );
  const body = {
    ...secret,
    metadata: { ...secret.metadata, resourceVersion: existing.metadata.resourceVersion },
  };
  await cp.rest.request('PUT', secretPath(cp.namespace, name), { body });
  return false;
}

/** Deletes the Secret; one already gone is fine. */
export async function deleteSecret(cp: ControlPlane, namespace: string, name: string): Promise<void> {
  await cp.rest.request('DELETE', secretPath(namespace, name)).catch((error: unknown) => {
    if (apiStatus(error) !== 404) throw error;
  });
}

/**
 * Deletes the Secret only if it is labelled as credentials of this kind: a Secret a person made
 * for something else, and pointed a Cluster at, stays.
 */
export async function deleteCredentialsSecret(
  cp: ControlPlane,
  kind: CredentialsKind,
  ref: { name: string; namespace?: string },
): Promise<void> {
  const namespace = ref.namespace ?? cp.namespace;
  const secret = await cp.rest
    .request<{ metadata: { labels?: Record<string, string> } }>('GET', secretPath(namespace, ref.name))
    .catch(() => undefined);
  if (secret?.metadata.labels?.[SECRET_TYPE_LABEL] === kind) await deleteSecret(cp, namespace, ref.name);
}
