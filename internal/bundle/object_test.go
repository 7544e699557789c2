package bundle

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestDecodeKubeObjectAsRead: one object decoded alone is the fact the
// reader keeps for the same object in a List.
func TestDecodeKubeObjectAsRead(t *testing.T) {
	const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api","namespace":"payments","annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::111122223333:role/x"}},` +
		`"spec":{"serviceAccountName":"s3-reader","containers":[{"name":"app","image":"app:1","env":[{"name":"AWS_REGION","value":"us-west-2"}]}]},"status":{"phase":"Running"}}`
	src := snapshot.Source{Kind: "kube", Ref: "watch pods"}
	got, err := DecodeKubeObject([]byte(pod), src)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ReadCaptures(context.Background(), []Capture{{Path: "pods.json", Data: []byte(`{"apiVersion":"v1","kind":"List","items":[` + pod + `]}`), Source: src}}, Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Pods) != 1 {
		t.Fatalf("read %d pods, want 1", len(snap.Pods))
	}
	if diff := cmp.Diff(snap.Pods[0], got); diff != "" {
		t.Errorf("DecodeKubeObject differs from the reader (-read +decoded):\n%s", diff)
	}
}

func TestDecodeKubeObjectKinds(t *testing.T) {
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"deployment", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n"},"spec":{"replicas":2,"template":{"spec":{"serviceAccountName":"sa"}}}}`, "*snapshot.Workload"},
		{"cronjob", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","namespace":"n"},"spec":{"jobTemplate":{"spec":{"template":{"spec":{}}}}}}`, "*snapshot.Workload"},
		{"node", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"ip-10-0-0-1"},"spec":{"providerID":"aws:///us-west-2a/i-0123456789abcdef0"}}`, "*snapshot.Node"},
		{"webhook", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"pod-identity-webhook"},"webhooks":[]}`, "*snapshot.WebhookConfiguration"},
		{"secret, never kept", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"n"},"data":{"k":"dg=="}}`, "<nil>"},
		{"a Job of another group", `{"apiVersion":"batch.volcano.sh/v1alpha1","kind":"Job","metadata":{"name":"j","namespace":"n"}}`, "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeKubeObject([]byte(tc.raw), snapshot.Source{Kind: "kube"})
			if err != nil {
				t.Fatal(err)
			}
			if g := typeName(got); g != tc.want {
				t.Errorf("decoded %s, want %s", g, tc.want)
			}
		})
	}
	if _, err := DecodeKubeObject([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":3}}`), snapshot.Source{}); err == nil {
		t.Error("a pod whose name is a number decoded without error")
	}
}

func typeName(v any) string {
	if v == nil {
		return "<nil>"
	}
	return fmtType(v)
}

func fmtType(v any) string { return fmt.Sprintf("%T", v) }
