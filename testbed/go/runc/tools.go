//go:build tools

// Package tools pins runc, the OCI runtime containerd's shim runs containers with. It is built
// with cgo and the seccomp tag (Debian's libseccomp-dev), as containers get seccomp profiles.
package tools

import _ "github.com/opencontainers/runc"
