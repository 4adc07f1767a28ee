// hello: a small HTTP server that answers with its version. The version is set when the binary
// is built (-ldflags "-X main.version=1.0.1"), so the image's tag and what it answers agree.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

var version = "dev"

// handler answers every path with the version, and /healthz with "ok" for probes.
func handler(v string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "hello %s\n", v)
	})
	return mux
}

func main() {
	addr := ":8080"
	if port := os.Getenv("PORT"); port != "" {
		addr = ":" + port
	}
	log.Printf("hello %s listening on %s", version, addr)
	log.Fatal(http.ListenAndServe(addr, handler(version)))
}
