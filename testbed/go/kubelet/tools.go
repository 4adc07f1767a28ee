//go:build tools

// Package tools pins the node commands the testbed builds for real nodes, from the same
// Kubernetes release as the control plane (testbed/go/kubernetes).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
