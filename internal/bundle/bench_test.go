package bundle

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

// BenchmarkRead reads a generated bundle of a large cluster: 10,000 pods in
// one `kubectl get pods -A -o json` (about 120 MB), 2,000 service accounts,
// 500 get-role outputs, and the cluster, caller and OIDC provider outputs.
//
//	go test ./internal/bundle -run '^$' -bench Read -benchmem -count 5
func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Config{}); err != nil {
		b.Fatal(err)
	}
	var size int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return err
	})
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		s, err := Read(context.Background(), []string{dir}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Pods) != 10000 || len(s.ServiceAccounts) != 2000 || len(s.Roles) != 500 {
			b.Fatalf("read %d pods, %d service accounts, %d roles", len(s.Pods), len(s.ServiceAccounts), len(s.Roles))
		}
	}
}
