package kube

import (
	"encoding/json"
	"fmt"
	"slices"
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
// this order; the fake clientset of the tests does not. encoded, when not
// nil, holds the items' encodings (encodeItem), one for each item, and is
// put in the same order.
func sortItems(items []any, encoded [][]byte) error {
	if encoded != nil && len(encoded) != len(items) {
		return fmt.Errorf("%d items but %d encoded", len(items), len(encoded))
	}
	type keyed struct {
		ns, name string
		obj      any
		enc      []byte
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		m, err := meta.Accessor(it)
		if err != nil {
			return fmt.Errorf("list item %d has no object metadata: %w", i, err)
		}
		ks[i] = keyed{ns: m.GetNamespace(), name: m.GetName(), obj: it}
		if encoded != nil {
			ks[i].enc = encoded[i]
		}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].ns != ks[j].ns {
			return ks[i].ns < ks[j].ns
		}
		return ks[i].name < ks[j].name
	})
	for i := range ks {
		items[i] = ks[i].obj
		if encoded != nil {
			encoded[i] = ks[i].enc
		}
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
	encoded := make([][]byte, 0, len(items))
	var scratch []byte
	for _, it := range items {
		b, reuse, err := encodeItem(it, gvk, scratch)
		if err != nil {
			return nil, err
		}
		encoded, scratch = append(encoded, b), reuse
	}
	return joinList(encoded), nil
}

// itemIndent is what precedes each line of an item of a List but its
// first: the items stand two levels deep in kubectl's output
// ({"items": [ITEM, ...]}).
const itemIndent = "        "

// encodeItem renders one item of a List as it stands in kubectl's output
// of the List (joinList), so that the items of a large List can be
// encoded one by one, as its pages arrive (pageEncoder), rather than all
// at once after the last page. json.MarshalIndent of the whole List (what
// kubectl runs) indents an item's lines by the indent of its depth; with
// the prefix itemIndent, json.MarshalIndent of the item alone writes the
// same bytes, and so does appendKubectlJSON. scratch is a buffer to write
// in, reused from one item to the next (nil for none): it returns the
// item's bytes, a copy of their own size, and the buffer to reuse.
func encodeItem(obj any, gvk schema.GroupVersionKind, scratch []byte) (item, reuse []byte, err error) {
	m, err := kubectlObject(obj, gvk)
	if err != nil {
		return nil, scratch, err
	}
	b, err := appendKubectlJSON(scratch[:0], m, itemIndent, 0)
	if err != nil {
		return nil, scratch, fmt.Errorf("encode as kubectl json: %w", err)
	}
	return slices.Clone(b), b, nil
}

// The List around the items, as json.MarshalIndent writes the map
// {"apiVersion": "v1", "items": [...], "kind": "List", "metadata":
// {"resourceVersion": ""}} (keys sorted), with the newline kubectl adds.
const (
	listHead      = "{\n    \"apiVersion\": \"v1\",\n    \"items\": ["
	listTail      = "],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
	itemSeparator = ",\n" + itemIndent
)

// joinList puts the encoded items (encodeItem) in a List as kubectl
// prints it: an empty List's items are [] on one line.
func joinList(encoded [][]byte) []byte {
	n := len(listHead) + len(listTail) + len("\n    ")
	for _, b := range encoded {
		n += len(itemSeparator) + len(b)
	}
	out := make([]byte, 0, n)
	out = append(out, listHead...)
	for i, b := range encoded {
		if i == 0 {
			out = append(out, "\n"+itemIndent...)
		} else {
			out = append(out, itemSeparator...)
		}
		out = append(out, b...)
	}
	if len(encoded) > 0 {
		out = append(out, "\n    "...)
	}
	return append(out, listTail...)
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
