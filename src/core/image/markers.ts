// Setter markers: a comment on a field of a plain YAML file saying which ImagePolicy writes it.
// Two spellings are read, so a repository written for Flux works unchanged:
//   image: reg/hello:1.0.0 # tiphys.dev/image: hello          (full reference)
//   tag: 1.0.0             # tiphys.dev/image-tag: hello      (tag only)
//   image: reg/hello:1.0.0 # {"$imagepolicy": "tiphys:hello"}       (Flux: namespace:name)
//   tag: 1.0.0             # {"$imagepolicy": "tiphys:hello:tag"}   (also :name, the image name)
// A marker is the comment after the value or the comment line just above the key. A Flux marker
// names the policy's namespace: it matches only a policy in that namespace (Tiphys keeps its
// policies in the control namespace), so a marker cannot reach a policy by name alone.
import { IMAGE_MARKER, IMAGE_TAG_MARKER } from '../model/image-updater.ts';

/** What a marked field holds: the full reference, the tag (with @digest when pinned), or the name. */
export type MarkedField = 'image' | 'tag' | 'name';

export interface Marker {
  policy: string;
  /** Set by the Flux spelling, which names the policy's namespace. */
  namespace?: string;
  field: MarkedField;
}

/** A policy as a marker must name it. */
export interface PolicyRef {
  name: string;
  namespace: string;
}

const OWN = /^\s*(tiphys\.dev\/image(?:-tag)?)\s*:\s*([a-z0-9][a-z0-9.-]*)\s*$/;
const FLUX = /^\s*(\{\s*"\$imagepolicy"\s*:\s*"[^"]*"\s*\})\s*$/;

function fluxMarker(json: string): Marker | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const text = (parsed as { $imagepolicy?: unknown }).$imagepolicy;
  if (typeof text !== 'string') return undefined;
  const [namespace, policy, part, ...rest] = text.split(':');
  if (!namespace || !policy || rest.length > 0) return undefined;
  if (part !== undefined && part !== 'tag' && part !== 'name') return undefined;
  return { namespace, policy, field: part === undefined ? 'image' : part };
}

/** The marker a comment carries (its first marker line), or none. */
export function parseMarker(comment: string | null | undefined): Marker | undefined {
  if (!comment) return undefined;
  for (const line of comment.split('\n')) {
    const own = OWN.exec(line);
    if (own)
      return {
        policy: own[2],
        field: own[1] === IMAGE_MARKER ? 'image' : own[1] === IMAGE_TAG_MARKER ? 'tag' : 'image',
      };
    const flux = FLUX.exec(line);
    if (flux) {
      const marker = fluxMarker(flux[1]);
      if (marker) return marker;
    }
  }
  return undefined;
}

/** Whether a marker names this policy (a Flux marker: also its namespace). */
export function markerNames(marker: Marker, policy: PolicyRef): boolean {
  return (
    marker.policy === policy.name && (marker.namespace === undefined || marker.namespace === policy.namespace)
  );
}

/** The two spellings of a marker for a policy, for messages that tell a person what to write. */
export function markerExamples(policy: PolicyRef): string {
  return `"# ${IMAGE_MARKER}: ${policy.name}", "# ${IMAGE_TAG_MARKER}: ${policy.name}" or '# {"$imagepolicy": "${policy.namespace}:${policy.name}"}'`;
}
