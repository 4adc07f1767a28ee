//go:build tools

// Package tools pins the CNI plugins a real node's Pods are wired with: a bridge with
// host-local addresses, the loopback interface, and portmap for hostPort.
package tools

import (
	_ "github.com/containernetworking/plugins/plugins/ipam/host-local"
	_ "github.com/containernetworking/plugins/plugins/main/bridge"
	_ "github.com/containernetworking/plugins/plugins/main/loopback"
	_ "github.com/containernetworking/plugins/plugins/meta/portmap"
)
