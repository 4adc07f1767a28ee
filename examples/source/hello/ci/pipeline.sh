#!/bin/sh
# The CI pipeline of hello, as every example in examples/ci runs it: test, build the image
# without a Docker daemon (a static Go binary as the only layer, pushed with crane), push it.
# Tiphys takes it from there: its image updater sees the new tag (registry notification or
# scan) and commits it to the config repository, or the pipeline commits it itself with
# `tiphys image set` (examples/ci/*).
#
#   ci/pipeline.sh REGISTRY/REPOSITORY [VERSION]     (VERSION defaults to the VERSION file)
#
# Needs go and crane on PATH, and crane logged in to the registry (`crane auth login`).
# Prints the pushed reference (REPOSITORY:VERSION@sha256:...) as its last line.
set -eu

repository=${1:?usage: ci/pipeline.sh REGISTRY/REPOSITORY [VERSION]}
cd "$(dirname "$0")/.."
version=${2:-$(cat VERSION)}
case "$version" in
  *[!0-9A-Za-z._-]* | '' | [.-]*) echo "pipeline: invalid version '$version'" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

echo "--- test" >&2
go test ./...

echo "--- build hello $version" >&2
mkdir -p "$work/root"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$work/root/hello" .
tar -C "$work/root" --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" hello

echo "--- push $repository:$version" >&2
# The layer goes first under a build tag (outside any semver policy), then the finished image
# (entrypoint, port, platform) under the version: one push of the version tag, complete.
build_tag="ci-$(git rev-parse --short=12 HEAD 2>/dev/null || date +%s)"
crane append --oci-empty-base -f "$work/layer.tar" -t "$repository:$build_tag" >/dev/null
crane mutate --set-platform linux/amd64 --entrypoint /hello --exposed-ports 8080/tcp \
  -t "$repository:$version" "$repository:$build_tag" >/dev/null
digest=$(crane digest "$repository:$version")
echo "$repository:$version@$digest"
