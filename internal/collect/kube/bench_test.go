package kube

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkEncodeList: one capture of 10,000 pods, the size the engine is
// tuned for (internal/bundle BenchmarkRead).
func BenchmarkEncodeList(b *testing.B) {
	items := make([]any, 10000)
	for i := range items {
		items[i] = pod("payments", fmt.Sprintf("api-%05d", i), "s3-reader", roleARN)
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	for b.Loop() {
		data, err := encodeList(items, gvk)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}
