//go:build tools

// Package tools pins containerd 2.x for the testbed's real nodes: the daemon (with its CRI
// plugin), the runc shim it starts per Pod, and ctr, which imports the sandbox image and
// removes what is left when a node stops.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
