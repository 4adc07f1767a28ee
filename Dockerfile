# Generated from scripts/image/description.ts by `npm run image -- --dockerfile`; do not edit.
# The same layout as `npm run image`, which builds the image without a daemon (see README).

FROM golang:1.26-bookworm AS tools
COPY testbed/go/helm /build/helm
RUN cd /build/helm && go build -trimpath -ldflags "-s -w" -o /out/helm helm.sh/helm/v3/cmd/helm
COPY testbed/go/kustomize /build/kustomize
RUN cd /build/kustomize && go build -trimpath -ldflags "-s -w" -o /out/kustomize sigs.k8s.io/kustomize/kustomize/v5
COPY testbed/go/jsonnet /build/tiphys-jsonnet
RUN cd /build/tiphys-jsonnet && go build -trimpath -ldflags "-s -w" -o /out/tiphys-jsonnet .

FROM node:24-bookworm AS app
WORKDIR /src
COPY package.json package-lock.json ./
# All dependencies: Vite builds the UI, and the npm `node` package is the Node 24 the image runs.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# Production dependencies only, in a folder of their own.
RUN mkdir /prod && cp package.json package-lock.json /prod/ \
 && cd /prod && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git openssh-client libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 65532 --user-group --home-dir /home/tiphys --create-home --shell /usr/sbin/nologin tiphys \
 && install -d -o 65532 -g 65532 -m 0755 /var/cache/tiphys
COPY --from=app /src/node_modules/node/bin/node /usr/local/bin/node
COPY --from=tools /out/helm /usr/local/bin/helm
COPY --from=tools /out/kustomize /usr/local/bin/kustomize
COPY --from=tools /out/tiphys-jsonnet /usr/local/bin/tiphys-jsonnet
COPY --from=app /prod/node_modules /usr/lib/tiphys/node_modules
COPY --from=app /src/ui/dist /usr/lib/tiphys/ui/dist
COPY --from=app /src/package.json /usr/lib/tiphys/package.json
COPY --from=app /src/bin /usr/lib/tiphys/bin
COPY --from=app /src/src /usr/lib/tiphys/src
RUN ln -s /usr/lib/tiphys/bin/tiphys.mjs /usr/local/bin/tiphys
ENV HOME=/home/tiphys
ENV TIPHYS_CACHE_DIR=/var/cache/tiphys
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="Tiphys"
LABEL org.opencontainers.image.description="GitOps continuous delivery for Kubernetes"
LABEL org.opencontainers.image.licenses="Apache-2.0"
LABEL org.opencontainers.image.version="0.1.0"
EXPOSE 8080 8081
USER 65532:65532
WORKDIR /home/tiphys
ENTRYPOINT ["/usr/local/bin/tiphys"]
CMD ["--help"]
