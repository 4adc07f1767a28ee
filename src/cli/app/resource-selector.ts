// `--resource GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME`, as Argo CD writes them; the group
// is empty for the core group (`:Service:web`).
import type { ResourceRef } from '../../core/model/common.ts';
import { CliError } from '../output.ts';

export function parseResourceSelector(text: string): ResourceRef {
  const parts = text.split(':');
  if (parts.length !== 3) {
    throw new CliError(
      `--resource "${text}": expected GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (GROUP empty for core kinds, like :Service:web)`,
    );
  }
  const [group, kind, object] = parts.map((part) => part.trim());
  const slash = object.indexOf('/');
  const namespace = slash >= 0 ? object.slice(0, slash) : undefined;
  const name = slash >= 0 ? object.slice(slash + 1) : object;
  if (kind === '') throw new CliError(`--resource "${text}": the kind is missing`);
  if (name === '' || name.includes('/'))
    throw new CliError(`--resource "${text}": the name is missing or has a /`);
  if (namespace === '') throw new CliError(`--resource "${text}": the namespace before / is empty`);
  return namespace === undefined ? { group, kind, name } : { group, kind, namespace, name };
}

/** The selector a resource is written as, for messages. */
export function formatResourceSelector(ref: ResourceRef): string {
  return `${ref.group ?? ''}:${ref.kind}:${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
