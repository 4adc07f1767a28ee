// ImageUpdater: where the tags ImagePolicies choose are written in Git, and how the commit looks.
import { type Static, Type } from 'typebox';
import {
  API_VERSION,
  atMostOneOf,
  Closed,
  Condition,
  DEFAULT_PROJECT,
  ObjectMeta,
  Timestamp,
} from './common.ts';
import { manifestErrors } from './validate.ts';

export const IMAGE_UPDATER_KIND = 'ImageUpdater';

/** The comment that marks a field of a plain manifest: `image: reg/hello:1.0.0 # tiphys.dev/image: <policy>`. */
export const IMAGE_MARKER = 'tiphys.dev/image';
/** Marks a field holding only the tag: `tag: 1.0.0 # tiphys.dev/image-tag: <policy>`. */
export const IMAGE_TAG_MARKER = 'tiphys.dev/image-tag';

export const DEFAULT_COMMIT_MESSAGE = 'tiphys: update {{range .Updates}}{{.Image}} to {{.Tag}} {{end}}';

export const UpdateTarget = Closed(
  {
    kustomize: Type.Optional(
      Closed(
        {
          file: Type.Optional(Type.String({ description: 'Default: kustomization.yaml in the path.' })),
          name: Type.Optional(
            Type.String({ description: "The images: entry's name. Default: the repository's image name." }),
          ),
        },
        { description: 'Set newName/newTag (and digest) of an images: entry of a kustomization.' },
      ),
    ),
    helm: Type.Optional(
      Closed(
        {
          file: Type.Optional(Type.String({ description: 'Default: values.yaml in the path.' })),
          tagPath: Type.Optional(Type.String({ description: 'Dotted path of the tag, e.g. image.tag.' })),
          imagePath: Type.Optional(Type.String({ description: 'Dotted path of the full image reference.' })),
        },
        { description: 'Set values in a Helm values file.' },
      ),
    ),
    markers: Type.Optional(
      Closed(
        {},
        {
          description: `Every YAML file under the path: fields marked "# ${IMAGE_MARKER}: <policy>" (full reference) or "# ${IMAGE_TAG_MARKER}: <policy>" (tag).`,
        },
      ),
    ),
  },
  { ...atMostOneOf('kustomize', 'helm', 'markers') },
);
export type UpdateTarget = Static<typeof UpdateTarget>;

export const ImageUpdaterSpec = Closed({
  project: Type.Optional(
    Type.String({ description: `AppProject the writes are made for. Default: ${DEFAULT_PROJECT}.` }),
  ),
  git: Closed({
    repoURL: Type.String({ minLength: 1, description: 'Must be in the project sourceRepos.' }),
    branch: Type.Optional(Type.String({ description: 'Default: main.' })),
    path: Type.Optional(Type.String({ description: 'Folder the files are relative to. Default: the root.' })),
  }),
  commit: Type.Optional(
    Closed({
      authorName: Type.Optional(Type.String({ description: 'Default: Tiphys.' })),
      authorEmail: Type.Optional(Type.String({ description: 'Default: tiphys@localhost.' })),
      messageTemplate: Type.Optional(
        Type.String({
          maxLength: 4096,
          description: `Placeholders {{.Updater}}, {{range .Updates}}{{.Image}} {{.Tag}} {{.Digest}} {{.Policy}}{{end}}. Default: ${DEFAULT_COMMIT_MESSAGE}`,
        }),
      ),
    }),
  ),
  updates: Type.Array(
    Closed({
      policy: Type.String({ minLength: 1, description: 'Name of an ImagePolicy.' }),
      target: UpdateTarget,
    }),
    { minItems: 1 },
  ),
  dryRun: Type.Optional(
    Type.Boolean({ description: 'Compute and show the diff in status; commit nothing.' }),
  ),
  suspend: Type.Optional(Type.Boolean()),
});
export type ImageUpdaterSpec = Static<typeof ImageUpdaterSpec>;

export const ImageUpdaterStatus = Type.Object({
  lastCommit: Type.Optional(Type.String()),
  lastCommitTime: Type.Optional(Timestamp()),
  lastAttemptTime: Type.Optional(Timestamp()),
  /** The diff a dry run would commit. */
  dryRunDiff: Type.Optional(Type.String()),
  /** Image references written by the last successful run, to skip Git when nothing moved. */
  appliedImages: Type.Optional(Type.Array(Type.String())),
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(Condition)),
});
export type ImageUpdaterStatus = Static<typeof ImageUpdaterStatus>;

export const ImageUpdater = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(IMAGE_UPDATER_KIND),
  metadata: ObjectMeta,
  spec: ImageUpdaterSpec,
  status: Type.Optional(ImageUpdaterStatus),
});
export type ImageUpdater = Static<typeof ImageUpdater>;

export function validateImageUpdater(obj: unknown): string[] {
  const errors = manifestErrors(ImageUpdater, obj);
  const updates = (obj as Partial<ImageUpdater> | undefined)?.spec?.updates ?? [];
  for (const [index, update] of updates.entries()) {
    const target = update?.target ?? {};
    if (!target.kustomize && !target.helm && !target.markers)
      errors.push(`spec.updates[${index}].target: name one of kustomize, helm, markers`);
    if (target.helm && !target.helm.tagPath && !target.helm.imagePath)
      errors.push(`spec.updates[${index}].target.helm: give tagPath or imagePath`);
  }
  return errors;
}
