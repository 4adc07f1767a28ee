// Command pause is the testbed's sandbox ("pause") container: the first process of every Pod on
// a real node. It holds the Pod's namespaces open by staying alive, reaps the orphans that
// end up as its children (it is PID 1 of the Pod when the process namespace is shared), and
// exits at once on SIGTERM or SIGINT. No public registry is reachable here, so the testbed
// builds its own instead of pulling registry.k8s.io/pause.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		reapChildren()
	}
}

// reapChildren collects every exited child; one SIGCHLD can stand for several exits.
func reapChildren() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
