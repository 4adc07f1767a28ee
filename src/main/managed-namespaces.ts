import { CliError } from '../cli/output.ts';

/**
 * The namespaces of namespaced mode from `--managed-namespaces a,b`: the control namespace and
 * those listed; undefined (the whole cluster) when the flag is absent or empty.
 */
export function managedNamespaces(list: string | undefined, controlNamespace: string): string[] | undefined {
  const names = (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
      throw new CliError(`--managed-namespaces: "${name}" is not a namespace name (a DNS label)`);
    }
  }
  return [...new Set([controlNamespace, ...names])];
}
