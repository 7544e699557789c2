package kube

import (
	"bytes"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestEncodeListAsKubectl: a List encoded item by item (encodeItem, joinList)
// is byte for byte what kubectl prints, json.MarshalIndent of the whole
// List as one map, for no item, one, and several, HTML characters and
// nested arrays included.
func TestEncodeListAsKubectl(t *testing.T) {
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			items := make([]any, n)
			for i := range items {
				p := pod("payments", fmt.Sprintf("api-%d", i), "s3-reader", roleARN)
				p.Annotations = map[string]string{"note": "<a & b>", "empty": ""}
				items[i] = p
			}
			got, err := encodeList(items, gvk)
			if err != nil {
				t.Fatal(err)
			}
			objs := make([]any, 0, n)
			for _, it := range items {
				m, err := kubectlObject(it, gvk)
				if err != nil {
					t.Fatal(err)
				}
				objs = append(objs, m)
			}
			want, err := marshalKubectl(map[string]any{
				"apiVersion": "v1",
				"items":      objs,
				"kind":       "List",
				"metadata":   map[string]any{"resourceVersion": ""},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encodeList:\n%s\nwant kubectl's:\n%s", got, want)
			}
		})
	}
}
