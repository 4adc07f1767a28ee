// What the client's cache.js (ListWatch) imports from its serializer (see hooks.ts): it serializes
// the informer's label and field selectors as 'string', which the client's serializer returns
// unchanged. Any other use is refused rather than answered differently from the client.
export const ObjectSerializer = {
  serialize(data: unknown, type: string): unknown {
    if (type !== 'string') {
      throw new Error(
        `the lean Kubernetes client serializes strings only, not ${type} (lean-client/hooks.ts)`,
      );
    }
    return data;
  },
};
