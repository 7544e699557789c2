package bundle

import (
	"bytes"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// DecodeKubeObject decodes one Kubernetes object, as kubectl prints it
// (apiVersion and kind set), into the fact the reader keeps for its kind:
// *snapshot.Pod, *snapshot.Workload, *snapshot.ServiceAccount,
// *snapshot.Namespace, *snapshot.WebhookConfiguration, *snapshot.Node or
// *snapshot.ConfigMap; nil, and no error, for a kind (or API group) the
// reader does not keep. It is the decoder of a List's items, alone:
// `serve` converts each object its informers see once, with the same
// recognition as a bundle's files, and keeps the snapshot current without
// reading a List again.
func DecodeKubeObject(raw []byte, src snapshot.Source) (any, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(nil))
	kind, apiVersion := peekTypeMeta(dec, raw)
	if kind == "" {
		return nil, fmt.Errorf("decode a Kubernetes object: no kind")
	}
	if !used(kind, apiVersion) {
		return nil, nil
	}
	it := decodeKube(raw, kind, apiVersion, src)
	if it.err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", kind, snapshot.Key(it.namespace, it.name), it.err)
	}
	return it.obj, nil
}
