package probe

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
)

// Ref names a workload: KIND/NAMESPACE/NAME.
type Ref struct{ Kind, Namespace, Name string }

// Templates returns the workloads refs names with their pod templates, as
// the Kubernetes collector's captures hold them (`kubectl get KIND -o
// json` Lists): spec.template, or a CronJob's spec.jobTemplate.spec.template.
// The whole template is kept, not the snapshot's reduced one, so that the
// dry-run pod is valid (its images, ports, volumes of every type). A ref
// that no capture holds is left out.
func Templates(caps []bundle.Capture, refs []Ref) ([]Workload, error) {
	want := map[Ref]bool{}
	for _, r := range refs {
		want[r] = true
	}
	found := map[Ref]json.RawMessage{}
	for _, c := range caps {
		if !strings.HasPrefix(c.Path, "kube/") || !strings.HasSuffix(c.Path, ".json") {
			continue
		}
		var list struct {
			Kind  string            `json:"kind"`
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(c.Data, &list); err != nil {
			return nil, fmt.Errorf("read capture %s: %w", c.Path, err)
		}
		for _, raw := range list.Items {
			var obj struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name      string `json:"name"`
					Namespace string `json:"namespace"`
				} `json:"metadata"`
				Spec struct {
					Template    json.RawMessage `json:"template"`
					JobTemplate struct {
						Spec struct {
							Template json.RawMessage `json:"template"`
						} `json:"spec"`
					} `json:"jobTemplate"`
				} `json:"spec"`
			}
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, fmt.Errorf("read capture %s: %w", c.Path, err)
			}
			r := Ref{Kind: obj.Kind, Namespace: obj.Metadata.Namespace, Name: obj.Metadata.Name}
			if !want[r] {
				continue
			}
			tmpl := obj.Spec.Template
			if r.Kind == "CronJob" {
				tmpl = obj.Spec.JobTemplate.Spec.Template
			}
			if len(tmpl) > 0 && string(tmpl) != "null" {
				found[r] = tmpl
			}
		}
	}
	var out []Workload
	for _, r := range refs {
		if t, ok := found[r]; ok {
			out = append(out, Workload{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, Template: t})
		}
	}
	return out, nil
}
