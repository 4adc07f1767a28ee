// Command coredns is CoreDNS with only the plugins a testbed node's cluster DNS uses: names of
// Services and Pods from the kubernetes plugin, a cache, health and readiness endpoints, and
// bind to listen on the node's address only. Leaving the other plugins out (cloud DNS
// providers, etcd, dnstap…) makes the build a fraction of the stock one.
package main

import (
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
