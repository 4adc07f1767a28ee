// Command probe is the workload of the testbed's real-node tests, small enough to be the only
// file of its image. `probe serve` answers HTTP with its host name and, on /lookup?name=X, with
// the addresses X resolves to through the Pod's own DNS settings; `probe lookup NAME` and
// `probe get URL` do the same once from the command line (for kubectl exec).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe serve [PORT] | lookup NAME | get URL")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		port := "8080"
		if len(os.Args) > 2 {
			port = os.Args[2]
		}
		err = serve(port)
	case "lookup":
		var addresses []string
		addresses, err = lookup(argument())
		if err == nil {
			fmt.Println(addresses)
		}
	case "get":
		err = get(argument())
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func argument() string {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "probe: missing argument")
		os.Exit(2)
	}
	return os.Args[2]
}

func serve(port string) error {
	host, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"hostname": host, "path": r.URL.Path})
	})
	mux.HandleFunc("/lookup", func(w http.ResponseWriter, r *http.Request) {
		addresses, err := lookup(r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string][]string{"addresses": addresses})
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("probe %s: serving HTTP on :%s\n", host, port)
	return server.ListenAndServe()
}

func lookup(name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addresses, err := net.DefaultResolver.LookupHost(ctx, name)
	sort.Strings(addresses)
	return addresses, err
}

func get(url string) error {
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(os.Stdout, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, res.Status)
	}
	return nil
}
