import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The version of this Tiphys build, taken from package.json so it is written once. */
export const tiphysVersion: string = packageJson.version;
