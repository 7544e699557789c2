package model

import (
	"fmt"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// BenchmarkNewIndex: the engine builds the index of workloads once per
// run, serve's re-diagnosis of one edit included; its cost is what of
// that re-diagnosis still grows with the cluster's workloads
// (docs/performance.md, "serve").
func BenchmarkNewIndex(b *testing.B) {
	for _, n := range []int{100, 1500} {
		s := &snapshot.Snapshot{}
		for i := range n {
			s.Workloads = append(s.Workloads, &snapshot.Workload{Kind: "Deployment",
				ObjectMeta: snapshot.ObjectMeta{Namespace: fmt.Sprintf("team-%03d", i%50), Name: fmt.Sprintf("app-%04d", i)}})
		}
		b.Run(fmt.Sprintf("workloads=%d", n), func(b *testing.B) {
			for b.Loop() {
				if ix := NewIndex(s); ix.Workload("Deployment", "team-000", "app-0000") == nil {
					b.Fatal("app-0000 not indexed")
				}
			}
		})
	}
}
