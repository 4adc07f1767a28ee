// tiphys-jsonnet: go-jsonnet with an importer that never reads outside one root folder (the
// repository checkout): absolute imports are refused, relative ones must resolve (after
// symlinks) inside the root, and only regular files are read. Jsonnet has no network access;
// time and output size are bounded by the caller. Prints the evaluated JSON on stdout.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-jsonnet"
)

const maxFileBytes = 8 << 20

type pairs []string

func (p *pairs) String() string     { return strings.Join(*p, ",") }
func (p *pairs) Set(v string) error { *p = append(*p, v); return nil }

type rootedImporter struct {
	root   string
	jpaths []string
	cache  map[string]jsonnet.Contents
}

func inside(root, path string) bool {
	return path == root || strings.HasPrefix(path, root+string(filepath.Separator))
}

func (r *rootedImporter) rel(path string) string {
	if rel, err := filepath.Rel(r.root, path); err == nil {
		return rel
	}
	return path
}

// Import resolves as the jsonnet command does: the importing file's folder first, then the
// library paths, the last given first.
func (r *rootedImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	if filepath.IsAbs(importedPath) {
		return jsonnet.Contents{}, "", fmt.Errorf("import %q: absolute paths are not allowed", importedPath)
	}
	// The entry file is asked for with no importer: it is relative to the root.
	from := filepath.Join(r.root, "entry")
	if importedFrom != "" {
		from = importedFrom
	}
	dirs := []string{filepath.Dir(from)}
	for i := len(r.jpaths) - 1; i >= 0; i-- {
		dirs = append(dirs, r.jpaths[i])
	}
	for _, dir := range dirs {
		candidate := filepath.Clean(filepath.Join(dir, importedPath))
		if !inside(r.root, candidate) {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q from %s: outside the repository", importedPath, r.rel(importedFrom))
		}
		real, err := filepath.EvalSymlinks(candidate)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		if !inside(r.root, real) {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q from %s: a link to a file outside the repository", importedPath, r.rel(importedFrom))
		}
		if c, ok := r.cache[candidate]; ok {
			return c, candidate, nil
		}
		info, err := os.Stat(real)
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		if !info.Mode().IsRegular() {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q: not a regular file", importedPath)
		}
		if info.Size() > maxFileBytes {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q: larger than %d bytes", importedPath, maxFileBytes)
		}
		f, err := os.Open(real)
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
		f.Close()
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		c := jsonnet.MakeContentsRaw(data)
		r.cache[candidate] = c
		return c, candidate, nil
	}
	return jsonnet.Contents{}, "", fmt.Errorf("import %q from %s: not found", importedPath, r.rel(importedFrom))
}

func split(kv string) (string, string, error) {
	name, value, ok := strings.Cut(kv, "=")
	if !ok || name == "" {
		return "", "", fmt.Errorf("%q is not NAME=VALUE", kv)
	}
	return name, value, nil
}

func main() {
	var root string
	var jpaths, extStr, extCode, tlaStr, tlaCode pairs
	flag.StringVar(&root, "root", "", "folder no import may leave (required)")
	flag.Var(&jpaths, "jpath", "library folder inside the root (repeatable; the last wins)")
	flag.Var(&extStr, "ext-str", "NAME=VALUE external variable, a string")
	flag.Var(&extCode, "ext-code", "NAME=CODE external variable, Jsonnet code")
	flag.Var(&tlaStr, "tla-str", "NAME=VALUE top-level argument, a string")
	flag.Var(&tlaCode, "tla-code", "NAME=CODE top-level argument, Jsonnet code")
	flag.Parse()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if root == "" || flag.NArg() != 1 {
		fail(errors.New("usage: tiphys-jsonnet --root DIR [--jpath DIR]... [--ext-str|--ext-code|--tla-str|--tla-code NAME=VALUE]... FILE"))
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		fail(err)
	}
	realRoot, _ = filepath.Abs(realRoot)
	importer := &rootedImporter{root: realRoot, cache: map[string]jsonnet.Contents{}}
	for _, j := range jpaths {
		abs, _ := filepath.Abs(j)
		if !inside(realRoot, filepath.Clean(abs)) {
			fail(fmt.Errorf("library path %s is outside the repository", j))
		}
		importer.jpaths = append(importer.jpaths, filepath.Clean(abs))
	}
	vm := jsonnet.MakeVM()
	vm.Importer(importer)
	for _, set := range []struct {
		list pairs
		add  func(string, string)
	}{{extStr, vm.ExtVar}, {extCode, vm.ExtCode}, {tlaStr, vm.TLAVar}, {tlaCode, vm.TLACode}} {
		for _, kv := range set.list {
			name, value, err := split(kv)
			if err != nil {
				fail(err)
			}
			set.add(name, value)
		}
	}
	file, _ := filepath.Abs(flag.Arg(0))
	rel, relErr := filepath.Rel(realRoot, file)
	if relErr != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		fail(fmt.Errorf("%s is outside the repository", flag.Arg(0)))
	}
	// The entry file goes through the importer too, so it is held to the same rule.
	out, err := vm.EvaluateFile(rel)
	if err != nil {
		fail(err)
	}
	fmt.Print(out)
}
