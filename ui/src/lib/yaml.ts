// Manifests are shown as YAML, the way they are written in Git. The YAML library is loaded on
// first use, so the list page does not pay for it.
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
