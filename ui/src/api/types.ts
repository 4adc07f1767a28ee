// The shapes of docs/api.md as the UI reads them. Written here rather than imported from
// src/core so the browser bundle depends on the wire contract only, not on server modules.
// One import for every shape; each concept has its own file under types/.

export * from './types/account.ts';
export * from './types/app-resources.ts';
export * from './types/application.ts';
export * from './types/application-sets.ts';
export * from './types/clusters.ts';
export * from './types/pipelines.ts';
export * from './types/repositories.ts';
export * from './types/sync-windows.ts';
