// Writes the Dockerfile (and its .dockerignore) from the image description, for people who build
// with Docker or BuildKit. It cannot be built on the machines this project is developed on (no
// daemon); test/image/dockerfile.test.ts keeps the committed files equal to this output.
import { readFileSync } from 'node:fs';
import { appDir, tiphysImage as image } from './description.ts';

/** Go modules of the render tools and the package each builds (as testbed/build.sh does). */
export const toolPackages = {
  helm: { module: 'testbed/go/helm', pkg: 'helm.sh/helm/v3/cmd/helm' },
  kustomize: { module: 'testbed/go/kustomize', pkg: 'sigs.k8s.io/kustomize/kustomize/v5' },
  'tiphys-jsonnet': { module: 'testbed/go/jsonnet', pkg: '.' },
} as const;

export function dockerfile(): string {
  const { base } = image;
  const { user } = base;
  const setup = [
    'apt-get update',
    `apt-get install -y --no-install-recommends ${base.packages.join(' ')}`,
    'rm -rf /var/lib/apt/lists/*',
    `useradd --uid ${user.uid} --user-group --home-dir ${user.home} --create-home --shell /usr/sbin/nologin ${user.name}`,
    ...base.userDirs.map((dir) => `install -d -o ${user.uid} -g ${user.uid} -m 0755 ${dir}`),
  ];
  const tools = Object.entries(toolPackages).flatMap(([name, { module, pkg }]) => [
    `COPY ${module} /build/${name}`,
    `RUN cd /build/${name} && go build -trimpath -ldflags "-s -w" -o /out/${name} ${pkg}`,
  ]);
  const appCopies = image.appFiles.map((file) => `COPY --from=app /src/${file} ${appDir}/${file}`);
  return `${[
    '# Generated from scripts/image/description.ts by `npm run image -- --dockerfile`; do not edit.',
    '# The same layout as `npm run image`, which builds the image without a daemon (see README).',
    '',
    `FROM golang:1.26-${base.suite} AS tools`,
    ...tools,
    '',
    `FROM node:24-${base.suite} AS app`,
    'WORKDIR /src',
    'COPY package.json package-lock.json ./',
    '# All dependencies: Vite builds the UI, and the npm `node` package is the Node 24 the image runs.',
    'RUN npm ci --no-audit --no-fund',
    'COPY . .',
    'RUN npm run build',
    '# Production dependencies only, in a folder of their own.',
    'RUN mkdir /prod && cp package.json package-lock.json /prod/ \\',
    ' && cd /prod && npm ci --omit=dev --ignore-scripts --no-audit --no-fund',
    '',
    `FROM debian:${base.suite}-slim`,
    `RUN ${setup.join(' \\\n && ')}`,
    `COPY --from=app /src/node_modules/node/bin/node ${image.node}`,
    ...Object.entries(image.tools).map(([name, path]) => `COPY --from=tools /out/${name} ${path}`),
    `COPY --from=app /prod/node_modules ${appDir}/node_modules`,
    `COPY --from=app /src/ui/dist ${appDir}/ui/dist`,
    ...appCopies,
    `RUN ln -s ${appDir}/bin/tiphys.mjs ${image.command}`,
    ...Object.entries(image.env).map(([key, value]) => `ENV ${key}=${value}`),
    ...Object.entries({ ...image.labels, 'org.opencontainers.image.version': packageVersion() }).map(
      ([key, value]) => `LABEL ${key}=${JSON.stringify(value)}`,
    ),
    `EXPOSE ${image.ports.join(' ')}`,
    `USER ${user.uid}:${user.uid}`,
    `WORKDIR ${user.home}`,
    `ENTRYPOINT ${JSON.stringify([image.command])}`,
    'CMD ["--help"]',
  ].join('\n')}\n`;
}

/** What the Docker build context leaves out: local installs and builds, and what the image excludes. */
export function dockerignore(): string {
  return `${[
    '# Generated with the Dockerfile; do not edit.',
    '.git',
    'node_modules',
    'ui/dist',
    ...image.appExcludes,
  ].join('\n')}\n`;
}

function packageVersion(): string {
  const path = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}
