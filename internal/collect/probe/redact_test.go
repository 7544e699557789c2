package probe

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

// TestDryRunCaptureRedacted: the pod the API server returns for a dry run
// holds whatever the admission webhooks added, a secret of theirs too; the
// capture, which dump writes, is redacted like every other (issue 9), and
// the webhook's AWS variables stay.
func TestDryRunCaptureRedacted(t *testing.T) {
	answer := func(p *corev1.Pod) (*corev1.Pod, error) {
		p, err := mutate(p)
		if err != nil {
			return nil, err
		}
		c := &p.Spec.Containers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: "VAULT_TOKEN", Value: "hvs.s3cr3t"})
		c.Args = []string{"--token=s3cr3t"}
		p.Annotations = map[string]string{bundle.AnnotationLastApplied: `{"s3cr3t": true}`}
		return p, nil
	}
	f := awsfake.New(t, awsState())
	k := newKube(t, issuer, answer)
	w := Workload{Kind: "Deployment", Namespace: "payments", Name: "api", Template: json.RawMessage(apiTemplate)}
	res := Collect(context.Background(), clientset.Wrap(k), f.Config(), nil, []Workload{w})
	if len(res.Captures) != 1 {
		t.Fatalf("captures: %+v, gaps %+v", res.Captures, res.Gaps)
	}
	data := string(res.Captures[0].Data)
	if strings.Contains(data, "s3cr3t") || strings.Contains(data, "last-applied") {
		t.Errorf("dry-run capture holds a secret:\n%s", data)
	}
	for _, want := range []string{`"name": "VAULT_TOKEN"`, `"name": "AWS_ROLE_ARN"`, `"value": "arn:aws:iam::`} {
		if !strings.Contains(data, want) {
			t.Errorf("dry-run capture lacks %s:\n%s", want, data)
		}
	}
}
