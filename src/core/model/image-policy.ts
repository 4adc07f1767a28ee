// ImagePolicy: how to choose one tag of an ImageRepository.
import { type Static, Type } from 'typebox';
import { API_VERSION, atMostOneOf, Closed, Condition, ObjectMeta, StringEnum, Timestamp } from './common.ts';
import { manifestErrors } from './validate.ts';

export const IMAGE_POLICY_KIND = 'ImagePolicy';

export const SortOrder = { asc: 'asc', desc: 'desc' } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];

export const ImagePolicyChoice = Closed(
  {
    semver: Type.Optional(
      Closed({
        range: Type.String({ minLength: 1, description: 'A semver range, e.g. ">=1.0.0 <2" or "^1.2".' }),
        prerelease: Type.Optional(
          StringEnum(
            { exclude: 'exclude', include: 'include', sameVersion: 'sameVersion' },
            {
              description:
                'exclude (default): no pre-releases; include: any pre-release in range; sameVersion: pre-releases only of a version the range names with a pre-release (npm semantics).',
            },
          ),
        ),
      }),
    ),
    newest: Type.Optional(
      Closed({}, { description: 'The tag whose image was created last (config blob time).' }),
    ),
    alphabetical: Type.Optional(Closed({ order: Type.Optional(StringEnum(SortOrder)) })),
    numerical: Type.Optional(Closed({ order: Type.Optional(StringEnum(SortOrder)) })),
    digest: Type.Optional(
      Closed(
        { tag: Type.String({ minLength: 1 }) },
        {
          description:
            'Follow a mutable tag (e.g. latest): the update writes tag@digest when its digest changes.',
        },
      ),
    ),
  },
  {
    description: 'Exactly one of semver, newest, alphabetical, numerical, digest.',
    ...atMostOneOf('semver', 'newest', 'alphabetical', 'numerical', 'digest'),
  },
);
export type ImagePolicyChoice = Static<typeof ImagePolicyChoice>;

export const ImagePolicySpec = Closed({
  imageRepositoryRef: Closed({ name: Type.String({ minLength: 1 }) }),
  policy: ImagePolicyChoice,
});
export type ImagePolicySpec = Static<typeof ImagePolicySpec>;

export const ImagePolicyStatus = Type.Object({
  /** image:tag (or image:tag@digest for a digest policy) last chosen. */
  latestImage: Type.Optional(Type.String()),
  latestTag: Type.Optional(Type.String()),
  latestDigest: Type.Optional(Type.String()),
  chosenAt: Type.Optional(Timestamp()),
  conditions: Type.Optional(Type.Array(Condition)),
});
export type ImagePolicyStatus = Static<typeof ImagePolicyStatus>;

export const ImagePolicy = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(IMAGE_POLICY_KIND),
  metadata: ObjectMeta,
  spec: ImagePolicySpec,
  status: Type.Optional(ImagePolicyStatus),
});
export type ImagePolicy = Static<typeof ImagePolicy>;

const CHOICES = ['semver', 'newest', 'alphabetical', 'numerical', 'digest'] as const;
export type PolicyKind = (typeof CHOICES)[number];

export function policyKind(choice: ImagePolicyChoice): PolicyKind | undefined {
  return CHOICES.find((name) => choice[name] !== undefined);
}

export function validateImagePolicy(obj: unknown): string[] {
  const errors = manifestErrors(ImagePolicy, obj);
  const choice = (obj as Partial<ImagePolicy> | undefined)?.spec?.policy;
  if (choice && errors.length === 0 && policyKind(choice) === undefined)
    errors.push(`spec.policy: name one of ${CHOICES.join(', ')}`);
  return errors;
}
