// Choosing one tag from a repository's tags (pure). The registry's answers are facts passed in:
// the tag list, and for the newest policy each tag's image creation time.
import semver from 'semver';
import type { ImagePolicyChoice } from '../model/image-policy.ts';
import { policyKind } from '../model/image-policy.ts';
import { isValidTag } from './reference.ts';

export type TagChoice =
  | { ok: true; tag: string; considered: number }
  | { ok: false; reason: string; considered: number };

export interface TagFacts {
  tags: readonly string[];
  /** The tag filter of the ImageRepository (already a RegExp). */
  filter?: RegExp;
  /** Creation time (ms since epoch) by tag, for `newest`; a tag without one is not a candidate. */
  createdAt?: ReadonlyMap<string, number>;
}

/** Why a semver range is unusable, or undefined when semver accepts it. */
export function semverRangeProblem(range: string): string | undefined {
  return semver.validRange(range) === null
    ? `${JSON.stringify(range)} is not a valid semver range`
    : undefined;
}

/** The tags a policy may choose from: valid as tags and matching the filter. */
export function candidateTags(facts: TagFacts): string[] {
  return facts.tags.filter((tag) => isValidTag(tag) && (!facts.filter || facts.filter.test(tag)));
}

export function chooseTag(choice: ImagePolicyChoice, facts: TagFacts): TagChoice {
  const candidates = candidateTags(facts);
  const considered = candidates.length;
  const none = (why: string): TagChoice => ({
    ok: false,
    considered,
    reason: `${why} (${facts.tags.length} tags listed, ${considered} pass the tag filter)`,
  });
  switch (policyKind(choice)) {
    case 'semver': {
      const { range, prerelease = 'exclude' } = choice.semver as NonNullable<ImagePolicyChoice['semver']>;
      const problem = semverRangeProblem(range);
      if (problem) return { ok: false, considered, reason: problem };
      const matching = candidates.filter((tag) => {
        const parsed = semver.parse(tag, { loose: false }) ?? semver.parse(tag.replace(/^v/, ''));
        if (!parsed) return false;
        if (prerelease === 'exclude' && parsed.prerelease.length > 0) return false;
        return semver.satisfies(parsed.version, range, { includePrerelease: prerelease === 'include' });
      });
      if (matching.length === 0) return none(`no tag satisfies the semver range ${JSON.stringify(range)}`);
      const version = (tag: string) =>
        (semver.parse(tag) ?? semver.parse(tag.replace(/^v/, '')))?.version ?? tag;
      // Highest version first; equal versions (1.0.0 and v1.0.0) ordered by name, so the choice is stable.
      matching.sort((a, b) => semver.rcompare(version(a), version(b)) || compareText(a, b));
      return { ok: true, tag: matching[0], considered };
    }
    case 'alphabetical': {
      if (candidates.length === 0) return none('no tag to choose from');
      const sorted = [...candidates].sort(compareText);
      const order = choice.alphabetical?.order ?? 'asc';
      // asc: the last in ascending order is chosen (like Flux: "2024-02" after "2024-01").
      return { ok: true, tag: order === 'asc' ? sorted[sorted.length - 1] : sorted[0], considered };
    }
    case 'numerical': {
      const numbers = candidates.filter((tag) => /^-?[0-9]+(\.[0-9]+)?$/.test(tag));
      if (numbers.length === 0) return none('no tag is a number');
      const sorted = [...numbers].sort((a, b) => Number(a) - Number(b) || compareText(a, b));
      const order = choice.numerical?.order ?? 'asc';
      return { ok: true, tag: order === 'asc' ? sorted[sorted.length - 1] : sorted[0], considered };
    }
    case 'newest': {
      const dated = candidates.filter((tag) => facts.createdAt?.has(tag));
      if (dated.length === 0) return none('no tag has a known creation time');
      const time = (tag: string) => facts.createdAt?.get(tag) ?? 0;
      dated.sort((a, b) => time(b) - time(a) || compareText(b, a));
      return { ok: true, tag: dated[0], considered };
    }
    case 'digest': {
      const tag = choice.digest?.tag as string;
      if (!candidates.includes(tag)) return none(`tag ${JSON.stringify(tag)} does not exist`);
      return { ok: true, tag, considered };
    }
    default:
      return { ok: false, considered, reason: 'the policy names no rule' };
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
