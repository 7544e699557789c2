package kube

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// CollectConfigMaps: one Get per distinct ConfigMap, never a List; what is
// kept is the filter's; a 404 is a gap for that ConfigMap; a 403 is one
// gap for its namespace, naming irsa-doctor-configmaps, and no other
// ConfigMap of that namespace is asked for.
func TestCollectConfigMaps(t *testing.T) {
	cs := newClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "dns", Name: "aws"},
		Data: map[string]string{"config": "[default]\nrole_arn = arn:aws:iam::111122223333:role/r\ncredential_source = EcsContainer\n", "other": "s3cr3t"}})
	deny(cs, "get", "configmaps", "", "locked")
	refs := []Object{
		{Namespace: "dns", Name: "aws"}, {Namespace: "dns", Name: "aws"}, {Namespace: "dns", Name: "gone"},
		{Namespace: "locked", Name: "a"}, {Namespace: "locked", Name: "b"},
	}
	res := CollectConfigMaps(context.Background(), clientset.Wrap(cs), refs, bundle.KeepAWSConfig)
	if len(res.Captures) != 1 || res.Captures[0].Path != "kube/configmaps/dns/aws.json" ||
		res.Captures[0].Source != (snapshot.Source{Kind: "kube", Ref: "get configmap aws -n dns"}) {
		t.Fatalf("captures %+v", res.Captures)
	}
	data := string(res.Captures[0].Data)
	if strings.Contains(data, "s3cr3t") || !strings.Contains(data, "role_arn = arn:aws:iam::111122223333:role/r") {
		t.Errorf("capture holds:\n%s", data)
	}
	var got []string
	for _, g := range res.Gaps {
		got = append(got, g.Operation+" | "+g.Resource)
	}
	want := []string{"get configmaps | configmap dns/gone", "get configmaps | namespace locked"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(res.Gaps[1].Reason, "(grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-configmaps)") {
		t.Errorf("403 gap %q does not name the ClusterRole", res.Gaps[1].Reason)
	}
	if diff := cmp.Diff(map[string]int{"get configmaps -n dns": 2, "get configmaps -n locked": 1}, calls(cs.Actions())); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
