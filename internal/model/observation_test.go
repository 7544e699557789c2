package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"
)

// TestObservationsOfCloudTrail: a CloudTrail event goes to the targets
// of the ServiceAccount its subject names, else to those whose role it
// asked for, else to the only target, else to none.
func TestObservationsOfCloudTrail(t *testing.T) {
	trail := func(ns, sa, role string) *snapshot.Observation {
		return &snapshot.Observation{Source: snapshot.ObservedInCloudTrail, Namespace: ns, ServiceAccount: sa, Role: role,
			Signature: "sts-incorrect-token-audience", Count: 1, File: snapshot.Source{Kind: "bundle", Ref: "cloudtrail/lookup-events-us-west-2.json"}}
	}
	bySA := trail("pay", "annotated", "arn:aws:iam::111122223333:role/other")
	byRole := trail("", "", "arn:aws:iam::111122223333:role/unused")
	otherSA := trail("pay", "ghost-2", "arn:aws:iam::111122223333:role/unused")
	noOne := trail("", "", "arn:aws:iam::111122223333:role/nobody")
	s := fx.Mixed()
	s.Observations = []*snapshot.Observation{bySA, byRole, otherSA, noOne}
	c := &Context{Snap: s, Targets: Targets(s, Selector{}, NewIndex(s))}
	got := map[string][]*snapshot.Observation{}
	for _, tg := range c.Targets {
		if obs := ObservationsOf(c, tg); len(obs) > 0 {
			got[tg.Key()] = obs
		}
	}
	want := map[string][]*snapshot.Observation{
		// Its pods and workloads, not the Pod Identity pod of the same
		// ServiceAccount; whatever role the event names.
		"Deployment/pay/api":        {bySA},
		"Pod/pay/api-abc-1":         {bySA},
		"ServiceAccount/pay/unused": {byRole},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attribution (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*snapshot.Observation{otherSA, noOne}, Unattributed(c)); diff != "" {
		t.Errorf("unattributed (-want +got):\n%s", diff)
	}

	// One target: an event naming no ServiceAccount and an unknown role
	// is its; one naming another ServiceAccount is still not.
	one := fx.Mixed()
	one.Pods, one.Workloads = one.Pods[:1], nil
	delete(one.ServiceAccounts, "pay/unused")
	delete(one.ServiceAccounts, "pay/typo")
	one.Observations = []*snapshot.Observation{noOne, otherSA}
	c = &Context{Snap: one, Targets: Targets(one, Selector{}, NewIndex(one))}
	if len(c.Targets) != 1 {
		t.Fatalf("targets %v, want one", targetKeys(c.Targets))
	}
	if diff := cmp.Diff([]*snapshot.Observation{noOne}, ObservationsOf(c, c.Targets[0])); diff != "" {
		t.Errorf("sole target (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*snapshot.Observation{otherSA}, Unattributed(c)); diff != "" {
		t.Errorf("sole target's unattributed (-want +got):\n%s", diff)
	}
}

func TestObservedTextCloudTrail(t *testing.T) {
	o := &snapshot.Observation{Source: snapshot.ObservedInCloudTrail, Signature: "sts-incorrect-token-audience", Count: 3,
		Sample: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience (role arn:aws:iam::111122223333:role/r, subject system:serviceaccount:pay:api)"}
	want := "observed: sts-incorrect-token-audience in CloudTrail, 3 times: An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience (role arn:aws:iam::111122223333:role/r, subject system:serviceaccount:pay:api)"
	if got := ObservedText(o); got != want {
		t.Errorf("ObservedText = %q, want %q", got, want)
	}
}
