package main

import (
	"io"
	"net/http/httptest"
	"testing"
)

func TestAnswersItsVersion(t *testing.T) {
	server := httptest.NewServer(handler("1.2.3"))
	defer server.Close()
	res, err := server.Client().Get(server.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if string(body) != "hello 1.2.3\n" {
		t.Fatalf("answered %q, want %q", body, "hello 1.2.3\n")
	}
}

func TestHealthz(t *testing.T) {
	server := httptest.NewServer(handler("x"))
	defer server.Close()
	res, err := server.Client().Get(server.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
}
