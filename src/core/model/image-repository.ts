// ImageRepository: an image repository in an OCI registry that Tiphys scans for tags.
import { type Static, Type } from 'typebox';
import { API_VERSION, Closed, Condition, DEFAULT_PROJECT, ObjectMeta, Timestamp } from './common.ts';
import { manifestErrors } from './validate.ts';

export const IMAGE_REPOSITORY_KIND = 'ImageRepository';

/** Label a Secret must carry before an ImageRepository may read it (registry credentials or CA). */
export const REGISTRY_SECRET_TYPE = 'registry';

/**
 * Set by the API server's registry webhook to ask the controller (another process) for a scan:
 * a new value makes the repository due at the controller's next tick.
 */
export const SCAN_REQUEST_ANNOTATION = 'tiphys.dev/scan-requested';

export const SecretKeyRef = Closed({
  name: Type.String({ minLength: 1, description: 'A Secret in the control namespace.' }),
  key: Type.Optional(Type.String({ minLength: 1 })),
});
export type SecretKeyRef = Static<typeof SecretKeyRef>;

export const ImageRepositorySpec = Closed({
  image: Type.String({
    minLength: 1,
    description: 'registry host[:port]/repository, no tag or digest (e.g. ghcr.io/team/hello).',
  }),
  project: Type.Optional(
    Type.String({ description: `The AppProject the repository belongs to. Default: ${DEFAULT_PROJECT}.` }),
  ),
  credentials: Type.Optional(
    Closed(
      { secretName: Type.String({ minLength: 1 }) },
      {
        description:
          'Secret of the control namespace labelled tiphys.dev/secret-type=registry: a .dockerconfigjson (only the entry of this exact registry host is used), or username and password keys.',
      },
    ),
  ),
  ca: Type.Optional(
    Closed(
      { secretName: Type.String({ minLength: 1 }), key: Type.Optional(Type.String({ minLength: 1 })) },
      {
        description:
          'PEM CA bundle trusted for this registry (key default ca.crt), same labelled Secret rule.',
      },
    ),
  ),
  interval: Type.Optional(
    Type.String({
      pattern: '^[0-9]+(s|m|h)$',
      description: 'How often to scan (e.g. 5m). Default 5m; at least 30s.',
    }),
  ),
  tagFilter: Type.Optional(
    Type.String({
      maxLength: 512,
      description: 'Regular expression a tag must match to be considered (e.g. ^v?[0-9]).',
    }),
  ),
  suspend: Type.Optional(Type.Boolean()),
});
export type ImageRepositorySpec = Static<typeof ImageRepositorySpec>;

export const ImageRepositoryStatus = Type.Object({
  lastScanTime: Type.Optional(Timestamp()),
  lastScanResult: Type.Optional(
    Type.Object({
      tagCount: Type.Integer(),
      /** A few of the newest-listed tags, for people. */
      latestTags: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  conditions: Type.Optional(Type.Array(Condition)),
  observedGeneration: Type.Optional(Type.Integer()),
});
export type ImageRepositoryStatus = Static<typeof ImageRepositoryStatus>;

export const ImageRepository = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(IMAGE_REPOSITORY_KIND),
  metadata: ObjectMeta,
  spec: ImageRepositorySpec,
  status: Type.Optional(ImageRepositoryStatus),
});
export type ImageRepository = Static<typeof ImageRepository>;

export function validateImageRepository(obj: unknown): string[] {
  const errors = manifestErrors(ImageRepository, obj);
  const spec = (obj as Partial<ImageRepository> | undefined)?.spec;
  if (spec?.tagFilter !== undefined) {
    try {
      new RegExp(spec.tagFilter, 'v');
    } catch (error) {
      errors.push(`spec.tagFilter: not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return errors;
}
