package awscollect

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

// TestPodIdentityAssociations: the cluster's associations are listed once
// (every page), only those of the namespaces in scope are described, their
// roles are read, and the captures read back into the snapshot as the
// bundle reader reads the AWS CLI's output.
func TestPodIdentityAssociations(t *testing.T) {
	st := world()
	// 120 more associations in another namespace: two pages of the list.
	for i := range 120 {
		st.PodIdentityAssociations = append(st.PodIdentityAssociations, awsfake.PodIdentityAssociation{Cluster: "prod",
			ID: fmt.Sprintf("a-1batch%011d", i), Namespace: "batch", ServiceAccount: fmt.Sprintf("job-%03d", i), RoleARN: reader})
	}
	f := awsfake.New(t, st)
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader},
		PodIdentity: &PodIdentityScope{Namespaces: []string{"payments", "billing"}}})
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1,
		"eks:ListPodIdentityAssociations": 2, "eks:DescribePodIdentityAssociation": 2, "iam:GetRole": 3}
	if diff := cmp.Diff(wantCalls, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	wantListed := []bundle.ManifestEntry{
		{Kind: snapshot.KindOIDCProvider, Account: acctA, File: acctA + "/list-open-id-connect-providers.json"},
		{Kind: snapshot.KindPodIdentity, File: acctA + "/list-pod-identity-associations-prod.json"},
	}
	if diff := cmp.Diff(wantListed, res.Listed); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	// The association's role that nothing else named is read; a role that
	// does not exist is captured as get-role's NoSuchEntity text.
	for _, p := range []string{acctA + "/get-role-reporter.json", acctA + "/get-role-invoices.txt", acctA + "/get-role-payments-s3-reader.json"} {
		captureData(t, res, p)
	}
	if got, want := captureData(t, res, acctA+"/describe-pod-identity-association-a-0reports000000000.json"), `{
    "association": {
        "clusterName": "prod",
        "namespace": "payments",
        "serviceAccount": "reports",
        "roleArn": "arn:aws:iam::111122223333:role/service/reporter",
        "associationArn": "arn:aws:eks:us-west-2:111122223333:podidentityassociation/prod/a-0reports000000000",
        "associationId": "a-0reports000000000",
        "tags": {},
        "createdAt": "2026-10-01T09:30:00+00:00",
        "modifiedAt": "2026-10-01T09:30:00+00:00",
        "disableSessionTags": false
    }
}
`; got != want {
		t.Errorf("describe capture (-want +got):\n%s", cmp.Diff(want, got))
	}

	s := read(t, res)
	if !s.Has(snapshot.KindPodIdentity) {
		t.Error("the snapshot has no Pod Identity facts")
	}
	if n := len(s.PodIdentityAssociations); n != 122 {
		t.Errorf("%d associations in the snapshot, want 122 (the list of prod, details merged in)", n)
	}
	a := s.PodIdentityAssociationFor("payments", "reports")
	if a == nil {
		t.Fatal("no association for payments/reports")
	}
	no := false
	want := snapshot.PodIdentityAssociation{ClusterName: "prod", Namespace: "payments", ServiceAccount: "reports",
		ARN: "arn:aws:eks:us-west-2:111122223333:podidentityassociation/prod/a-0reports000000000", ID: "a-0reports000000000",
		Region: "us-west-2", Account: acctA, RoleARN: "arn:aws:iam::111122223333:role/service/reporter", DisableSessionTags: &no,
		CreatedAt: "2026-10-01T09:30:00+00:00", ModifiedAt: "2026-10-01T09:30:00+00:00", Tags: map[string]string{}, Detailed: true,
		Source: snapshot.Source{Kind: "aws", Ref: "eks:DescribePodIdentityAssociation a-0reports000000000"}}
	if diff := cmp.Diff(want, *a); diff != "" {
		t.Errorf("association (-want +got):\n%s", diff)
	}
	if b := s.PodIdentityAssociationFor("batch", "job-007"); b == nil || b.Detailed {
		t.Errorf("association of batch/job-007 = %+v, want the list's summary only (namespace out of scope)", b)
	}
	if _, ok := s.Roles["arn:aws:iam::111122223333:role/service/reporter"]; !ok {
		t.Error("the association's role was not read back")
	}
}

// TestPodIdentityDenied: a refused list is a gap naming the permission,
// and nothing is described.
func TestPodIdentityDenied(t *testing.T) {
	st := world()
	f := awsfake.New(t, st)
	f.Deny("eks:ListPodIdentityAssociations", "")
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", PodIdentity: &PodIdentityScope{AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	var got []snapshot.Gap
	for _, g := range res.Gaps {
		if g.Operation == "eks:ListPodIdentityAssociations" {
			got = append(got, g)
		}
	}
	clusterARN := "arn:aws:eks:us-west-2:" + acctA + ":cluster/prod"
	want := []snapshot.Gap{{Source: "aws", Operation: "eks:ListPodIdentityAssociations", Resource: clusterARN,
		Reason: "AccessDeniedException: User: " + callerARN + " is not authorized to perform: eks:ListPodIdentityAssociations on resource: " + clusterARN +
			" because no identity-based policy allows the eks:ListPodIdentityAssociations action (grant eks:ListPodIdentityAssociations on " + clusterARN +
			"; deploy/iam-policy.json lists what irsa-doctor calls)"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	if n := f.Calls()["eks:DescribePodIdentityAssociation"]; n != 0 {
		t.Errorf("%d describe calls after a refused list", n)
	}
}

// TestPodIdentityDescribeClusterDenied: a refused eks:DescribeCluster does
// not cost the associations, which need only the cluster's name; a
// cluster whose name is not known leaves a gap saying so (issue 10,
// item 10).
func TestPodIdentityDescribeClusterDenied(t *testing.T) {
	t.Run("named cluster", func(t *testing.T) {
		f := awsfake.New(t, world())
		f.Deny("eks:DescribeCluster", "")
		res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", PodIdentity: &PodIdentityScope{Namespaces: []string{"payments"}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := f.Calls()["eks:ListPodIdentityAssociations"]; n != 1 {
			t.Errorf("eks:ListPodIdentityAssociations called %d times, want once", n)
		}
		s := read(t, res)
		if s.PodIdentityAssociationFor("payments", "reports") == nil {
			t.Error("no association for payments/reports")
		}
		for _, g := range res.Gaps {
			if g.Operation == "eks:ListPodIdentityAssociations" {
				t.Errorf("gap %+v, want the list", g)
			}
		}
	})
	t.Run("cluster not found", func(t *testing.T) {
		f := awsfake.New(t, world())
		res, err := Collect(context.Background(), f.Config(), Options{PodIdentity: &PodIdentityScope{AllNamespaces: true}})
		if err != nil {
			t.Fatal(err)
		}
		var got []snapshot.Gap
		for _, g := range res.Gaps {
			if g.Operation == "eks:ListPodIdentityAssociations" {
				got = append(got, g)
			}
		}
		want := []snapshot.Gap{{Source: "aws", Operation: "eks:ListPodIdentityAssociations", Resource: "region us-west-2",
			Reason: "not called: it needs the EKS cluster's name, which is not known because eks:DescribeCluster did not find the cluster: " +
				"the EKS cluster is not known: the kubeconfig names no API server endpoint (pass --cluster NAME)"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
	})
}
