#!/bin/bash
# Builds Flux's source-controller and kustomize-controller (v1.9.6, the Flux v2.9 line) from the
# Go module proxy into $FLUX_DIR/bin, and keeps their sources (CRDs in config/crd/bases) in
# $FLUX_DIR/src, for bench/peers.bench.ts only (never for `npm test`). Cached like the testbed:
# under ~/.cache/tiphys/peers/flux, built once, reused while the binaries are there. Why v1.9.6 and not v1.10.1: v1.10.x needs Go >= 1.27 (fine: GOTOOLCHAIN fetches
# go1.27.4 from the proxy) but several of its dependencies' zips are refused by this machine's
# module proxy (403 "This module version is not available": fluxcd/pkg/apis/crypto v0.5.0,
# spiffe v0.2.0, masktoken v0.10.0, http/fetch v0.30.x, artifact v0.27.x, cosign/v3 v3.1.4 ...).
# v1.9.6 builds with one substitution: source-controller wants fluxcd/pkg/artifact v0.18.3 (refused),
# replaced by v0.18.1 (same minor).
set -euo pipefail
FLUX_DIR=${FLUX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tiphys/peers/flux}
VERSION=${FLUX_CONTROLLERS_VERSION:-v1.9.6}
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.4} CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$FLUX_DIR/src" "$FLUX_DIR/bin"
cd "$FLUX_DIR"
[ -f go.mod ] || go mod init probe/flux >/dev/null 2>&1
for r in source-controller kustomize-controller; do
  if [ ! -d "src/$r" ]; then
    dir=$(go mod download -json "github.com/fluxcd/$r@$VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    cp -r "$dir" "src/$r"
    chmod -R u+w "src/$r"
    # The ./api replace points into the repo, which a module zip lacks: use the required api version.
    sed -i '/=> .\/api/d' "src/$r/go.mod"
    if [ "$r" = source-controller ]; then
      (cd "src/$r" && go mod edit -replace github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.1)
    fi
  fi
  if [ ! -x "bin/$r" ]; then
    echo "building $r $VERSION (several minutes on 2 cores)..." >&2
    (cd "src/$r" && go build -trimpath -o "$FLUX_DIR/bin/$r" .)
  fi
done
