package check

import (
	"strings"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// fx.Cluster adds the describe-cluster facts of cluster name.
func TestMechanism(t *testing.T) {
	const acct, region = "111122223333", "eu-west-1"
	// The running pod was created before the association: it really uses IRSA.
	pod := fx.OwnedPod(fx.Mutated)
	unusedSA := func(s *snapshot.Snapshot) {
		sa := fx.SA("reports", "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/reports")
		s.ServiceAccounts[snapshot.Key(fx.NS, "reports")] = sa
	}
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		want map[string]string // target key -> mechanism
	}{
		{
			name: "association in the cluster: the template and an unused ServiceAccount use Pod Identity, the old pod IRSA",
			snap: fx.Snapshot(fx.Deployment(), pod, unusedSA, fx.Cluster("prod", acct, region),
				fx.Association("prod", acct, region, fx.NS, "api"), fx.Association("prod", acct, region, fx.NS, "reports")),
			want: map[string]string{"Deployment/payments/api": model.MechanismPodIdentity, "Pod/payments/" + fx.Pod: model.MechanismIRSA,
				"ServiceAccount/payments/reports": model.MechanismPodIdentity},
		},
		{
			name: "association of another cluster",
			snap: fx.Snapshot(fx.Deployment(), fx.Cluster("prod", acct, region), fx.Association("staging", acct, region, fx.NS, "api")),
			want: map[string]string{"Deployment/payments/api": model.MechanismIRSA},
		},
		{
			name: "association of a cluster of the same name in another account",
			snap: fx.Snapshot(fx.Deployment(), fx.Cluster("prod", acct, region), fx.Association("prod", "444455556666", region, fx.NS, "api")),
			want: map[string]string{"Deployment/payments/api": model.MechanismIRSA},
		},
		{
			name: "association of a cluster of the same name in another region",
			snap: fx.Snapshot(fx.Deployment(), fx.Cluster("prod", acct, region), fx.Association("prod", acct, "us-east-1", fx.NS, "api")),
			want: map[string]string{"Deployment/payments/api": model.MechanismIRSA},
		},
		{
			name: "association of another ServiceAccount",
			snap: fx.Snapshot(fx.Deployment(), fx.Cluster("prod", acct, region), fx.Association("prod", acct, region, "billing", "api")),
			// The association of an uncaptured namespace is a target of its
			// own (IRSA402 skips it: absence needs proof).
			want: map[string]string{"Deployment/payments/api": model.MechanismIRSA, "PodIdentityAssociation/billing/a-billingapi": model.MechanismPodIdentity},
		},
		{
			name: "no cluster in the input, associations of one cluster",
			snap: fx.Snapshot(fx.Deployment(), fx.Association("prod", acct, region, fx.NS, "api"), fx.Association("prod", acct, region, "billing", "billing")),
			want: map[string]string{"Deployment/payments/api": model.MechanismPodIdentity, "PodIdentityAssociation/billing/a-billingbilling": model.MechanismPodIdentity},
		},
		{
			name: "no cluster in the input, associations of two clusters: none counts",
			snap: fx.Snapshot(fx.Deployment(), fx.Association("prod", acct, region, fx.NS, "api"), fx.Association("staging", acct, region, fx.NS, "api")),
			want: map[string]string{"Deployment/payments/api": model.MechanismIRSA},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, tg := range model.Targets(tt.snap, model.Selector{}, model.NewIndex(tt.snap)) {
				got[tg.Key()] = tg.Mechanism
			}
			fxAssertMap(t, got, tt.want)
		})
	}
}

// TestPodIdentityTemplateGetsNoIRSAFinding: docs/contract.md "Pods that use EKS
// Pod Identity (... or an association for their SA) get no IRSA102-306
// finding": the template of 16-pod-identity-migrated, whose ServiceAccount
// keeps an old role-arn annotation, gets IRSA101 and IRSA110 only (static
// keys would win over Pod Identity too: docs/reference/credential-chain.md#why-a-pod-uses-the-node-role, docs/reference/credential-chain.md#imds-reachability).
func TestPodIdentityTemplateGetsNoIRSAFinding(t *testing.T) {
	s := fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) {
		// A hand-written AWS_ROLE_ARN would be IRSA109's on an IRSA template.
		w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: "AWS_ROLE_ARN", Value: fx.Role}}
	}), fx.Cluster("prod", "111122223333", "eu-west-1"), fx.Association("prod", "111122223333", "eu-west-1", fx.NS, "api"))
	// The EKS Pod Identity checks (IRSA4xx) judge such a template too.
	var got []string
	for _, l := range fxRun(t, s, model.Selector{}, false, All...) {
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
