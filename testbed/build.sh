#!/usr/bin/env bash
# Builds the testbed's binaries from the Go module proxy into a cache folder outside the repo,
# only those that are missing. Each tool has its own small Go module under testbed/go/ so that
# their dependency graphs (Kubernetes 1.36, etcd 3.6, kwok, helm, kustomize, crane) never constrain
# one another. Prints the bin folder as its last line. With tool names as arguments
# (`build.sh crane`), builds only those: a test that needs one small tool does not wait for, or
# race with, a cold build of Kubernetes.
#
#   bash testbed/build.sh               the control plane, kwok, helm, kustomize, crane, jsonnet, sops
#   bash testbed/build.sh --real-node   also what a real node runs (kubelet, kube-proxy,
#                                       containerd, runc, CNI plugins, CoreDNS, the testbed's
#                                       own pause/netns-forward/probe); only tests that start a
#                                       real node ask for them, so kwok-only runs never build them.
set -euo pipefail

real_node=false
names=()
for arg in "$@"; do
  case $arg in
    --real-node) real_node=true ;;
    -*) echo "[testbed build] unknown option $arg" >&2; exit 2 ;;
    *) names+=("$arg") ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
KUBE_VERSION=v1.36.3
cache_root=${TIPHYS_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tiphys/testbed}
bin="$cache_root/$KUBE_VERSION/bin"
mkdir -p "$bin"

# One build at a time per cache: parallel test runs (several checkouts, several tools) would
# otherwise compile the same packages side by side on a small machine. The lock is taken only
# when something must be built, so a run whose tools are all stamped never waits for another's
# build; a run that waited checks the stamp again and finds the binary built.
locked=false
take_lock() {
  "$locked" && return 0
  exec 9>"$cache_root/.build.lock"
  if ! flock -n 9; then
    printf '[testbed build] %s\n' "another testbed build is running; waiting for it" >&2
    flock 9
  fi
  locked=true
}

log() { printf '[testbed build] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed or not on PATH. Install Go 1.26 (the testbed builds Kubernetes from source)."
  exit 2
fi

only=" ${names[*]} "
wanted() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }

build() { # build MODULE_DIR OUTPUT_NAME PACKAGE [LDFLAGS] [TAGS] [CGO_ENABLED]
  local dir=$1 name=$2 pkg=$3 ldflags=${4:-} tags=${5:-} cgo=${6:-}
  wanted "$name" || return 0
  # A stamp of the module's go.mod/go.sum and flags: a version bump rebuilds just that tool.
  # Tags, cgo and the module's own sources (other than tools.go) count only where a module has
  # them, so the stamps of the tools built before they existed did not change.
  local stamp extra=""
  if [ -n "$tags$cgo" ]; then extra+="tags=$tags cgo=$cgo"$'\n'; fi
  extra+=$(find "$here/go/$dir" -name '*.go' ! -name tools.go -print0 | sort -z | xargs -0 -r cat)
  if [ -n "$extra" ]; then
    stamp=$(cat "$here/go/$dir/go.mod" "$here/go/$dir/go.sum" <(echo "$ldflags") <(echo "$extra") | sha256sum | cut -c1-16)
  else
    stamp=$(cat "$here/go/$dir/go.mod" "$here/go/$dir/go.sum" <(echo "$ldflags") | sha256sum | cut -c1-16)
  fi
  local stamp_file="$bin/.${name//\//_}.stamp"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  take_lock
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  log "building $name from $pkg (first time only; this can take minutes)…"
  local start=$SECONDS
  mkdir -p "$(dirname "$bin/$name")"
  if ! (cd "$here/go/$dir" && ${cgo:+env CGO_ENABLED=$cgo} go build -trimpath ${tags:+-tags "$tags"} \
    -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$pkg"); then
    log "failed to build $name. Check that the Go module proxy is reachable: go env GOPROXY GOSUMDB"
    log "  (now: $(go env GOPROXY) / $(go env GOSUMDB)); then rerun: bash testbed/build.sh"
    rm -f "$bin/$name.tmp"
    exit 3
  fi
  mv "$bin/$name.tmp" "$bin/$name"
  echo "$stamp" > "$stamp_file"
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
build jsonnet tiphys-jsonnet .
build sops sops github.com/getsops/sops/v3/cmd/sops
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

# runc is the one cgo build: containers get seccomp profiles, which need Debian's libseccomp.
ensure_libseccomp() {
  if pkg-config --exists libseccomp 2>/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's libseccomp-dev (runc is built with seccomp)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config >&2 ||
      { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config >&2; }
  else
    log "runc needs libseccomp-dev and pkg-config: apt-get install libseccomp-dev pkg-config"
    exit 2
  fi
}

# A real node's programs: with --real-node, or when named.
if $real_node || [ "$only" != "  " ]; then
  build kubelet kubelet k8s.io/kubernetes/cmd/kubelet "$kf" "" 0
  build kubelet kube-proxy k8s.io/kubernetes/cmd/kube-proxy "$kf" "" 0
  cv=-X=github.com/containerd/containerd/v2/version.Version=v2.4.2
  build containerd containerd github.com/containerd/containerd/v2/cmd/containerd "$cv" "" 0
  build containerd containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 "$cv" "" 0
  build containerd ctr github.com/containerd/containerd/v2/cmd/ctr "$cv" "" 0
  if wanted runc; then ensure_libseccomp; fi
  build runc runc github.com/opencontainers/runc "-X=main.version=1.5.3" seccomp 1
  for plugin in main/bridge ipam/host-local main/loopback meta/portmap; do
    build cni "cni/${plugin#*/}" "github.com/containernetworking/plugins/plugins/$plugin" "" "" 0
  done
  build coredns coredns . "" "" 0
  for tool in pause netns-forward probe; do build nodetools "$tool" "./$tool" "" "" 0; done
fi

echo "$bin"
