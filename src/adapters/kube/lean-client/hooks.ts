// Keeps the Kubernetes client's generated API code out of a Tiphys process. Tiphys uses the
// client for its KubeConfig (loading, authentication, TLS) and its informers only; requests are
// raw JSON (`rest.ts`). But the client's config.js imports its generated index for the one
// function `makeApiClient` needs, and cache.js imports the model serializer for label and field
// selectors (plain strings): either loads every typed API class and model, 2,700 modules that
// add about 60 MiB to the process's resident memory (measured, docs/performance.md "Memory").
// These hooks answer those two imports with small modules of the same exports; every other
// import of the client, the package index included, is resolved as usual, so a command that
// uses the typed API (`tiphys install`) still gets all of it.
import { registerHooks } from 'node:module';

const CLIENT_DIST = '/node_modules/@kubernetes/client-node/dist/';

/** (client file, specifier it imports) → the module answered instead. */
const SWAPS: Record<string, Record<string, string>> = {
  'config.js': { './gen/index.js': new URL('./gen-index.ts', import.meta.url).href },
  'cache.js': { './serializer.js': new URL('./serializer.ts', import.meta.url).href },
};

let registered = false;

/**
 * Registers the swaps for every module loaded after this call (bin/tiphys.mjs calls it before
 * importing the program). Modules imported statically by the caller are resolved before it runs.
 */
export function keepKubeClientLean(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL ?? '';
      const at = parent.lastIndexOf(CLIENT_DIST);
      if (at !== -1) {
        const swap = SWAPS[parent.slice(at + CLIENT_DIST.length)]?.[specifier];
        if (swap) return { url: swap, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}
