package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// fxCluster adds the describe-cluster facts of cluster name.
func fxCluster(name, account, region string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Clusters = append(s.Clusters, &snapshot.Cluster{Name: name, Account: account, Region: region,
			ARN:    fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, account, name),
			Issuer: "https://oidc.eks." + region + ".amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", Source: fxSrc("describe-cluster.json")})
	}
}

// fxAssociation adds a Pod Identity association (list-pod-identity-associations).
func fxAssociation(cluster, account, region, ns, sa string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		id := fmt.Sprintf("a-%s%s", ns, sa)
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, &snapshot.PodIdentityAssociation{
			ClusterName: cluster, Namespace: ns, ServiceAccount: sa, ID: id, Account: account, Region: region,
			ARN:    fmt.Sprintf("arn:aws:eks:%s:%s:podidentityassociation/%s/%s", region, account, cluster, id),
			Source: fxSrc("pod-identity-associations.json")})
	}
}

func TestMechanism(t *testing.T) {
	const acct, region = "111122223333", "eu-west-1"
	// The running pod was created before the association: it really uses IRSA.
	pod := fxOwnedPod(fxMutated)
	unusedSA := func(s *snapshot.Snapshot) {
		sa := fxSA("reports", "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/reports")
		s.ServiceAccounts[snapshot.Key(fxNS, "reports")] = sa
	}
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		want map[string]string // target key -> mechanism
	}{
		{
			name: "association in the cluster: the template and an unused ServiceAccount use Pod Identity, the old pod IRSA",
			snap: fxSnapshot(fxDeployment(), pod, unusedSA, fxCluster("prod", acct, region),
				fxAssociation("prod", acct, region, fxNS, "api"), fxAssociation("prod", acct, region, fxNS, "reports")),
			want: map[string]string{"Deployment/payments/api": MechanismPodIdentity, "Pod/payments/" + fxPod: MechanismIRSA,
				"ServiceAccount/payments/reports": MechanismPodIdentity},
		},
		{
			name: "association of another cluster",
			snap: fxSnapshot(fxDeployment(), fxCluster("prod", acct, region), fxAssociation("staging", acct, region, fxNS, "api")),
			want: map[string]string{"Deployment/payments/api": MechanismIRSA},
		},
		{
			name: "association of a cluster of the same name in another account",
			snap: fxSnapshot(fxDeployment(), fxCluster("prod", acct, region), fxAssociation("prod", "444455556666", region, fxNS, "api")),
			want: map[string]string{"Deployment/payments/api": MechanismIRSA},
		},
		{
			name: "association of a cluster of the same name in another region",
			snap: fxSnapshot(fxDeployment(), fxCluster("prod", acct, region), fxAssociation("prod", acct, "us-east-1", fxNS, "api")),
			want: map[string]string{"Deployment/payments/api": MechanismIRSA},
		},
		{
			name: "association of another ServiceAccount",
			snap: fxSnapshot(fxDeployment(), fxCluster("prod", acct, region), fxAssociation("prod", acct, region, "billing", "api")),
			// The association of an uncaptured namespace is a target of its
			// own (IRSA402 skips it: absence needs proof).
			want: map[string]string{"Deployment/payments/api": MechanismIRSA, "PodIdentityAssociation/billing/a-billingapi": MechanismPodIdentity},
		},
		{
			name: "no cluster in the input, associations of one cluster",
			snap: fxSnapshot(fxDeployment(), fxAssociation("prod", acct, region, fxNS, "api"), fxAssociation("prod", acct, region, "billing", "billing")),
			want: map[string]string{"Deployment/payments/api": MechanismPodIdentity, "PodIdentityAssociation/billing/a-billingbilling": MechanismPodIdentity},
		},
		{
			name: "no cluster in the input, associations of two clusters: none counts",
			snap: fxSnapshot(fxDeployment(), fxAssociation("prod", acct, region, fxNS, "api"), fxAssociation("staging", acct, region, fxNS, "api")),
			want: map[string]string{"Deployment/payments/api": MechanismIRSA},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, tg := range Targets(tt.snap, Selector{}, newIndex(tt.snap)) {
				got[tg.Key()] = tg.Mechanism
			}
			fxAssertMap(t, got, tt.want)
		})
	}
}

// TestPodIdentityTemplateGetsNoIRSAFinding: CONTRACT.md "Pods that use EKS
// Pod Identity (... or an association for their SA) get no IRSA102-306
// finding": the template of 16-pod-identity-migrated, whose ServiceAccount
// keeps an old role-arn annotation, gets IRSA101 and IRSA110 only (static
// keys would win over Pod Identity too: irsa-facts.md §7.4).
func TestPodIdentityTemplateGetsNoIRSAFinding(t *testing.T) {
	s := fxSnapshot(fxDeployment(func(w *snapshot.Workload) {
		// A hand-written AWS_ROLE_ARN would be IRSA109's on an IRSA template.
		w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: "AWS_ROLE_ARN", Value: fxRole}}
	}), fxCluster("prod", "111122223333", "eu-west-1"), fxAssociation("prod", "111122223333", "eu-west-1", fxNS, "api"))
	// The EKS Pod Identity checks (IRSA4xx) judge such a template too.
	var got []string
	for _, l := range fxRun(t, s, Selector{}, false, All...) {
		if !strings.HasPrefix(l, "IRSA4") {
			got = append(got, l)
		}
	}
	fxAssert(t, got, []string{
		`IRSA101 pass Deployment payments/api: ServiceAccount "api" exists in namespace "payments"`,
		`IRSA110 pass Deployment payments/api container app: no static AWS keys in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)`,
	})
}

func fxAssertMap(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("mechanism of %s = %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected target %s (%s)", k, got[k])
		}
	}
}
