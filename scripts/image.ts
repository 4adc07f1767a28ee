// `npm run image`: builds the Tiphys container image without a Docker daemon and pushes it.
//
//   npm run image -- --push REGISTRY/REPO:TAG [--ca FILE] [--username U] [--password P]
//   npm run image -- --archive tiphys.tar        # an OCI archive for `ctr images import`
//   npm run image -- --dockerfile                # regenerate Dockerfile and .dockerignore
//
// The password can come from TIPHYS_REGISTRY_PASSWORD instead of the command line (where `ps`
// shows it). See scripts/image/ and README ("Installing Tiphys in a cluster").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pushImage, writeImageArchive } from '../testbed/src/image.ts';
import { addSystemDirsToPath } from '../testbed/src/system-path.ts';
import { buildTiphysImage, imageCacheDir } from './image/build.ts';
import { dockerfile, dockerignore } from './image/dockerfile.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const usage =
  'usage: npm run image -- [--push REGISTRY/REPO:TAG [--ca FILE] [--username U] [--password P]] ' +
  '[--archive FILE] [--layout DIR] [--refresh-base] | --dockerfile';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      push: { type: 'string' },
      ca: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      archive: { type: 'string' },
      layout: { type: 'string' },
      name: { type: 'string' },
      'refresh-base': { type: 'boolean', default: false },
      dockerfile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.dockerfile) {
    writeFileSync(join(root, 'Dockerfile'), dockerfile());
    writeFileSync(join(root, '.dockerignore'), dockerignore());
    console.log('wrote Dockerfile and .dockerignore');
    return 0;
  }
  const password = values.password ?? process.env.TIPHYS_REGISTRY_PASSWORD;
  if ((values.username === undefined) !== (password === undefined)) {
    throw new Error(`--username and --password (or TIPHYS_REGISTRY_PASSWORD) go together\n${usage}`);
  }
  const name = values.push ?? values.name ?? 'tiphys:dev';
  const layoutDir = values.layout ?? join(imageCacheDir(), 'layout');
  const started = Date.now();
  const image = await buildTiphysImage({
    root,
    layoutDir,
    name,
    refreshBase: values['refresh-base'],
    log: (line) => console.error(line),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const compressed = image.layers.reduce((sum, layer) => sum + layer.size, 0);
  const unpacked = image.layers.reduce((sum, layer) => sum + layer.unpackedSize, 0);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.error(
    `built ${image.digest} in ${seconds} s: ${mb(compressed)} compressed, ${mb(unpacked)} unpacked`,
  );
  for (const layer of image.layers) {
    console.error(
      `  ${mb(layer.size).padStart(9)} (${mb(layer.unpackedSize).padStart(9)} unpacked)  ${layer.comment}`,
    );
  }
  console.error(`OCI layout: ${layoutDir}`);
  if (values.archive) {
    await writeImageArchive(layoutDir, values.archive);
    console.error(`OCI archive: ${values.archive} (ctr images import ${values.archive})`);
  }
  if (values.push) {
    const access = { caFile: values.ca, username: values.username, password };
    const pushed = await pushImage(layoutDir, values.push, access);
    console.error(`pushed ${values.push}`);
    console.log(pushed);
  } else {
    console.log(image.digest);
  }
  return 0;
}

// mmdebstrap and the image's own checks run chroot and other sbin tools.
addSystemDirsToPath();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`image: ${error instanceof Error ? error.message : String(error)}`);
  // Not waiting for the builds still running beside the one that failed.
  process.exit(1);
}
