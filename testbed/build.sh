#!/usr/bin/env bash
# Builds the testbed's binaries from the Go module proxy into a cache folder outside the repo,
# only those that are missing. Each tool has its own small Go module under testbed/go/ so that
# their dependency graphs (Kubernetes 1.36, etcd 3.6, kwok, helm, kustomize, crane) never constrain
# one another. Prints the bin folder as its last line. With tool names as arguments
# (`build.sh crane`), builds only those: a test that needs one small tool does not wait for, or
# race with, a cold build of Kubernetes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KUBE_VERSION=v1.36.3
cache_root=${TIPHYS_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tiphys/testbed}
bin="$cache_root/$KUBE_VERSION/bin"
mkdir -p "$bin"

# One build at a time per cache: parallel test runs (several checkouts, several tools) would
# otherwise compile the same packages side by side on a small machine. Later ones wait, then
# find the binaries stamped and return at once.
exec 9>"$cache_root/.build.lock"
if ! flock -n 9; then
  printf '[testbed build] %s\n' "another testbed build is running; waiting for it" >&2
  flock 9
fi

log() { printf '[testbed build] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed or not on PATH. Install Go 1.26 (the testbed builds Kubernetes from source)."
  exit 2
fi

only=" $* "
wanted() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }

build() { # build MODULE_DIR OUTPUT_NAME PACKAGE [LDFLAGS]
  local dir=$1 name=$2 pkg=$3 ldflags=${4:-}
  wanted "$name" || return 0
  # A stamp of the module's go.mod/go.sum and flags: a version bump rebuilds just that tool.
  local stamp
  stamp=$(cat "$here/go/$dir/go.mod" "$here/go/$dir/go.sum" <(echo "$ldflags") | sha256sum | cut -c1-16)
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.$name.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  log "building $name from $pkg (first time only; this can take minutes)…"
  local start=$SECONDS
  if ! (cd "$here/go/$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$pkg"); then
    log "failed to build $name. Check that the Go module proxy is reachable: go env GOPROXY GOSUMDB"
    log "  (now: $(go env GOPROXY) / $(go env GOSUMDB)); then rerun: bash testbed/build.sh"
    rm -f "$bin/$name.tmp"
    exit 3
  fi
  mv "$bin/$name.tmp" "$bin/$name"
  echo "$stamp" > "$bin/.$name.stamp"
  log "built $name in $((SECONDS - start)) s"
}

kube_ldflags() {
  local major minor
  major=$(echo "$KUBE_VERSION" | sed -E 's/^v([0-9]+)\..*/\1/')
  minor=$(echo "$KUBE_VERSION" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')
  local flags=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    flags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

kf=$(kube_ldflags)
build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$kf"
build kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$kf"
build kubernetes kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$kf"
build kubernetes kubectl k8s.io/kubernetes/cmd/kubectl "$kf"
build etcd etcd go.etcd.io/etcd/server/v3
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
build helm helm helm.sh/helm/v3/cmd/helm
build kustomize kustomize sigs.k8s.io/kustomize/kustomize/v5
build crane crane github.com/google/go-containerregistry/cmd/crane

# kwok plays Node and Pod lifecycles from Stage files: its own stock stages (taken from the module
# that was built) plus the testbed's, copied next to the binary.
stages="$bin/kwok-stages"
if wanted kwok; then
  mkdir -p "$stages"
  kwok_dir=$(cd "$here/go/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  cp -f "$kwok_dir/kustomize/stage/node/fast/node-initialize.yaml" \
    "$kwok_dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$kwok_dir/kustomize/stage/pod/fast/pod-ready.yaml" \
    "$kwok_dir/kustomize/stage/pod/fast/pod-complete.yaml" \
    "$kwok_dir/kustomize/stage/pod/fast/pod-delete.yaml" \
    "$here/kwok/pod-fail.yaml" "$here/kwok/pod-slow.yaml" "$here/kwok/service-lb.yaml" "$stages/"
  chmod u+w "$stages"/*
fi

echo "$bin"
