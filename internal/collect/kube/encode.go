package kube

import (
	"encoding/json"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
)

// The captures are what kubectl prints for the same call, so that a dump is
// a bundle like any other (internal/bundle/doc.go). kubectl decodes what
// `get` fetches into unstructured maps and prints them with encoding/json's
// MarshalIndent and a 4-space indent plus a newline
// (k8s.io/cli-runtime/pkg/printers/json.go JSONPrinter.PrintObj): keys come
// out sorted, HTML characters escaped. Several objects become a List of
// kind "List" with an empty resourceVersion. Since kubectl 1.21 `get` drops
// metadata.managedFields unless --show-managed-fields is given.

// sortItems puts the items in the order the API server returns them: by
// namespace, then name, which is the order of their etcd keys
// (/registry/RESOURCE/NAMESPACE/NAME). A real server already answers in
// this order; the fake clientset of the tests does not.
func sortItems(items []any) error {
	type keyed struct {
		ns, name string
		obj      any
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		m, err := meta.Accessor(it)
		if err != nil {
			return fmt.Errorf("list item %d has no object metadata: %w", i, err)
		}
		ks[i] = keyed{m.GetNamespace(), m.GetName(), it}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].ns != ks[j].ns {
			return ks[i].ns < ks[j].ns
		}
		return ks[i].name < ks[j].name
	})
	for i := range ks {
		items[i] = ks[i].obj
	}
	return nil
}

// kubectlObject converts a typed object to the map kubectl prints, with
// apiVersion and kind set from gvk: client-go's typed Lists leave them
// empty on each item. What could carry a credential (env values but the
// AWS SDK settings, arguments, the last-applied-configuration annotation)
// is redacted here, before anything reads the capture: scan judges
// exactly what dump writes (bundle.Redact).
func kubectlObject(obj any, gvk schema.GroupVersionKind) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", gvk.Kind, err)
	}
	m["apiVersion"] = gvk.GroupVersion().String()
	m["kind"] = gvk.Kind
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
	}
	bundle.Redact(m)
	return m, nil
}

// encodeList renders the items as `kubectl get RESOURCE [-n NS|-A] -o json`
// prints them.
func encodeList(items []any, gvk schema.GroupVersionKind) ([]byte, error) {
	objs := make([]any, 0, len(items))
	for _, it := range items {
		m, err := kubectlObject(it, gvk)
		if err != nil {
			return nil, err
		}
		objs = append(objs, m)
	}
	return marshalKubectl(map[string]any{
		"apiVersion": "v1",
		"items":      objs,
		"kind":       "List",
		"metadata":   map[string]any{"resourceVersion": ""},
	})
}

// encodeObject renders one object as `kubectl get RESOURCE NAME -o json`
// prints it.
func encodeObject(obj any, gvk schema.GroupVersionKind) ([]byte, error) {
	m, err := kubectlObject(obj, gvk)
	if err != nil {
		return nil, err
	}
	return marshalKubectl(m)
}

func marshalKubectl(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode as kubectl json: %w", err)
	}
	return append(b, '\n'), nil
}

// encodeVersion renders the server version as `kubectl version -o json`
// prints it when only the server's half is wanted: kubectl marshals its
// version struct with a 2-space indent (k8s.io/kubectl/pkg/cmd/version),
// and the client half is left out because it describes kubectl, not the
// cluster.
func encodeVersion(v *version.Info) ([]byte, error) {
	b, err := json.MarshalIndent(struct {
		ServerVersion *version.Info `json:"serverVersion,omitempty"`
	}{v}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode server version: %w", err)
	}
	return append(b, '\n'), nil
}
