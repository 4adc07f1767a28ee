// What the client's config.js imports from its generated index (see hooks.ts): the two names its
// makeApiClient uses, from their own small modules, without the typed API classes and models.
// A client version that imports more names fails to link at start, loudly (hooks.test.ts).
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
