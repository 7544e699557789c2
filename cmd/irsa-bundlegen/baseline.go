package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// parseOnly is the baseline `analyze` is compared with: it reads every file
// under dir (recursively, as analyze does) and decodes each JSON value of
// each file into an any, on GOMAXPROCS workers (as many as analyze uses),
// and does nothing else. It prints the number of files and values.
func parseOnly(dir string) error {
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		return err
	}
	counts := make([]int, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for i := range next {
				counts[i], errs[i] = decodeAll(paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var values int
	for _, n := range counts {
		values += n
	}
	fmt.Printf("decoded %d files, %d values\n", len(paths), values)
	return nil
}

// decodeAll decodes the JSON values of one file, one after the other, each
// into an any, and returns how many there were.
func decodeAll(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	var n int
	for {
		var v any
		err := json.UnmarshalDecode(dec, &v)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
		n++
	}
}
