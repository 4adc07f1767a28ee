// The Tiphys image for the tests that run it: built once per test process (the Debian base, the
// production dependencies and the tools are cached across processes), then unpacked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { buildTiphysImage } from '../../scripts/image/build.ts';
import type { BuiltImage } from '../../testbed/src/image.ts';
import { type ImageConfig, unpackImage } from '../../testbed/src/image-run.ts';

export interface TestImage {
  layoutDir: string;
  image: BuiltImage;
  /** Build time, for the figures. */
  seconds: number;
}

const scratch = mkdtempSync(join(tmpdir(), 'tiphys-image-kit-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let built: Promise<TestImage> | undefined;

export function tiphysTestImage(name = 'tiphys:test'): Promise<TestImage> {
  built ??= (async () => {
    const layoutDir = join(scratch, 'layout');
    const started = Date.now();
    const log = process.env.TIPHYS_TEST_LOG ? (line: string) => console.error(`[image] ${line}`) : undefined;
    const image = await buildTiphysImage({ root: repoRoot, layoutDir, name, log });
    return { layoutDir, image, seconds: (Date.now() - started) / 1000 };
  })();
  return built;
}

/** A fresh unpacked copy of the image's root filesystem, with its config. */
export async function unpackedTiphysImage(): Promise<{ rootfs: string; config: ImageConfig }> {
  const { layoutDir } = await tiphysTestImage();
  const rootfs = mkdtempSync(join(scratch, 'rootfs-'));
  return { rootfs, config: await unpackImage(layoutDir, rootfs) };
}

/** The folders a Pod of deploy/install gets as emptyDirs. */
export const podWritableDirs = ['/tmp', '/home/tiphys', '/var/cache/tiphys'];
