// Command netns-forward makes TCP ports of the host's loopback reachable inside a network
// namespace. A real node of the testbed runs in a namespace of its own (so its kube-proxy
// rules, bridge and Pods never touch the host's network), while the API server and the
// registry listen on the host's 127.0.0.1 only. This process starts in the host's namespace,
// opens its listening sockets inside the node's (a socket stays in the namespace it was
// created in), and dials the target from the host's for each connection.
//
//	netns-forward --netns /run/netns/NAME --listen 127.0.0.1:6443,10.200.16.2:6443 --to 127.0.0.1:6443
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	netnsPath := flag.String("netns", "", "path of the network namespace to listen in")
	listen := flag.String("listen", "", "comma-separated addresses to listen on inside the namespace")
	target := flag.String("to", "", "address to dial from the namespace this process started in")
	flag.Parse()
	if *netnsPath == "" || *listen == "" || *target == "" {
		flag.Usage()
		os.Exit(2)
	}
	listeners, err := listenInNamespace(*netnsPath, strings.Split(*listen, ","))
	if err != nil {
		log.Fatalf("netns-forward: %v", err)
	}
	for _, l := range listeners {
		go serve(l, *target)
	}
	log.Printf("netns-forward: %s in %s -> %s", *listen, *netnsPath, *target)
	select {}
}

// listenInNamespace switches one OS thread into the namespace, listens, and switches back. If
// the thread cannot return to its namespace it stays locked, and Go ends it with its goroutine.
func listenInNamespace(netnsPath string, addresses []string) ([]net.Listener, error) {
	runtime.LockOSThread()
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer home.Close()
	target, err := os.Open(netnsPath)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := setns(target); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("entering %s: %w", netnsPath, err)
	}
	var listeners []net.Listener
	var listenErr error
	for _, address := range addresses {
		l, err := net.Listen("tcp", address)
		if err != nil {
			listenErr = errors.Join(listenErr, err)
			continue
		}
		listeners = append(listeners, l)
	}
	if err := setns(home); err != nil {
		return nil, fmt.Errorf("returning to the host namespace: %w", err)
	}
	runtime.UnlockOSThread()
	if listenErr != nil {
		for _, l := range listeners {
			l.Close()
		}
		return nil, listenErr
	}
	return listeners, nil
}

func setns(file *os.File) error {
	return unix.Setns(int(file.Fd()), unix.CLONE_NEWNET)
}

func serve(l net.Listener, target string) {
	for {
		conn, err := l.Accept()
		if err != nil {
			log.Fatalf("netns-forward: accepting on %s: %v", l.Addr(), err)
		}
		go forward(conn.(*net.TCPConn), target)
	}
}

func forward(client *net.TCPConn, target string) {
	defer client.Close()
	conn, err := net.DialTimeout("tcp", target, 10*time.Second)
	if err != nil {
		log.Printf("netns-forward: dialing %s: %v", target, err)
		return
	}
	upstream := conn.(*net.TCPConn)
	defer upstream.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(upstream, client)
		upstream.CloseWrite()
		close(done)
	}()
	io.Copy(client, upstream)
	client.CloseWrite()
	<-done
}
