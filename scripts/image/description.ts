// The Tiphys container image, described once. `npm run image` builds it without a daemon from this
// description (build.ts) and the Dockerfile for people with Docker is generated from it
// (dockerfile.ts), so the two lay out the same files in the same places.
import type { DebianRootfs } from '../../testbed/src/image-rootfs.ts';

export const appDir = '/usr/lib/tiphys';

export const tiphysImage = {
  /** Debian packages of the base (mmdebstrap here, debian:<suite>-slim + apt-get in the Dockerfile). */
  base: {
    suite: 'bookworm',
    variant: 'minbase',
    // git fetches repositories; openssh-client for ssh:// ones; libstdc++6 is what Node links to.
    packages: ['ca-certificates', 'git', 'openssh-client', 'libstdc++6'],
    user: { name: 'tiphys', uid: 65532, home: '/home/tiphys' },
    // Writable when the root filesystem is not (the manifests mount emptyDirs on them).
    userDirs: ['/var/cache/tiphys'],
  } satisfies DebianRootfs,
  /** The Node 24 binary npm's `node` package brings (node_modules/node/bin/node). */
  node: '/usr/local/bin/node',
  /**
   * Render tools, built from the testbed's Go modules (testbed/go/helm, testbed/go/kustomize,
   * testbed/go/jsonnet); on the PATH, where the render finds them.
   */
  tools: {
    helm: '/usr/local/bin/helm',
    kustomize: '/usr/local/bin/kustomize',
    'tiphys-jsonnet': '/usr/local/bin/tiphys-jsonnet',
  },
  /** Files of the checkout copied under appDir (with production node_modules and the built UI). */
  appFiles: ['package.json', 'bin', 'src'],
  /** Left out of appFiles: tests and their fixtures and kits never run in the image. */
  appExcludes: ['**/*.test.ts', '**/testdata', '**/*testkit.ts'],
  command: '/usr/local/bin/tiphys',
  env: {
    HOME: '/home/tiphys',
    TIPHYS_CACHE_DIR: '/var/cache/tiphys',
    NODE_ENV: 'production',
  },
  ports: [8080, 8081],
  labels: {
    'org.opencontainers.image.title': 'Tiphys',
    'org.opencontainers.image.description': 'GitOps continuous delivery for Kubernetes',
    'org.opencontainers.image.licenses': 'Apache-2.0',
  },
} as const;

/** Turns the excludes above into a test of a path relative to the checkout's root. */
export function isExcludedAppFile(relativePath: string): boolean {
  const parts = relativePath.split('/');
  const name = parts.at(-1) ?? '';
  return name.endsWith('.test.ts') || name.endsWith('testkit.ts') || parts.includes('testdata');
}
