package snapshot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSourceString(t *testing.T) {
	for _, tc := range []struct {
		s    Source
		want string
	}{
		{Source{Kind: "bundle", Ref: "b/pods.json"}, "bundle:b/pods.json"},
		{Source{Kind: "aws", Ref: "iam:GetRole payments-s3-reader"}, "aws:iam:GetRole payments-s3-reader"},
		{Source{Kind: "kube"}, "kube"},
		{Source{}, ""},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func sa(ns, name string) *ServiceAccount {
	return &ServiceAccount{ObjectMeta: ObjectMeta{Namespace: ns, Name: name}}
}

func TestServiceAccountLookups(t *testing.T) {
	s := New("offline")
	for _, a := range []*ServiceAccount{sa("payments", "api"), sa("staging", "api"), sa("batch", "api"), sa("payments", "s3-reader")} {
		s.ServiceAccounts[Key(a.Namespace, a.Name)] = a
	}
	if got := s.ServiceAccount("payments", "s3-reader"); got == nil || got.Namespace != "payments" || got.Name != "s3-reader" {
		t.Errorf("ServiceAccount(payments, s3-reader) = %+v", got)
	}
	if got := s.ServiceAccount("staging", "s3-reader"); got != nil {
		t.Errorf("ServiceAccount(staging, s3-reader) = %+v, want nil", got)
	}
	var namespaces []string
	for _, a := range s.ServiceAccountsNamed("api") {
		namespaces = append(namespaces, a.Namespace)
	}
	if d := cmp.Diff([]string{"batch", "payments", "staging"}, namespaces); d != "" {
		t.Errorf("ServiceAccountsNamed(api), sorted by namespace (-want +got):\n%s", d)
	}
	if got := s.ServiceAccountsNamed("nobody"); got != nil {
		t.Errorf("ServiceAccountsNamed(nobody) = %v, want nil", got)
	}
	if got := Key("payments", "api"); got != "payments/api" {
		t.Errorf("Key = %q", got)
	}
}

// TestHas: which facts answer Check.Needs. For the kinds whose absence
// can be proven, a listing or a NotFound error text is a fact too (an
// empty List proves there is none); for pods and workloads only objects
// count.
func TestHas(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		add  func(s *Snapshot)
		// listable: a Listing or NotFound of the kind alone makes Has true.
		listable bool
	}{
		{KindPod, func(s *Snapshot) { s.Pods = []*Pod{{}} }, false},
		{KindWorkload, func(s *Snapshot) { s.Workloads = []*Workload{{}} }, false},
		{KindServiceAccount, func(s *Snapshot) { s.ServiceAccounts["a/b"] = sa("a", "b") }, true},
		{KindNamespace, func(s *Snapshot) { s.Namespaces["a"] = &Namespace{} }, true},
		{KindWebhookConfiguration, func(s *Snapshot) { s.Webhooks = []*WebhookConfiguration{{}} }, true},
		{KindServerVersion, func(s *Snapshot) { s.ServerVersion = &ServerVersion{} }, false},
		{KindCluster, func(s *Snapshot) { s.Clusters = []*Cluster{{Name: "prod"}} }, false},
		{KindRole, func(s *Snapshot) { s.Roles["arn:aws:iam::111122223333:role/r"] = &Role{} }, true},
		{KindOIDCProvider, func(s *Snapshot) { s.OIDCProviders = []*OIDCProvider{{}} }, false},
		{KindOIDCProvider, func(s *Snapshot) { s.ProviderLists = []ProviderList{{Account: "111122223333"}} }, false},
		{KindCallerIdentity, func(s *Snapshot) { s.Caller = &CallerIdentity{} }, false},
		{KindNode, func(s *Snapshot) { s.Nodes = []*Node{{}} }, true},
		{KindEC2Instance, func(s *Snapshot) { s.Instances = []*EC2Instance{{}} }, false},
		{KindPodIdentity, func(s *Snapshot) { s.PodIdentityAssociations = []*PodIdentityAssociation{{}} }, true},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			if New("offline").Has(tc.kind) {
				t.Error("an empty snapshot has it")
			}
			s := New("offline")
			tc.add(s)
			if !s.Has(tc.kind) {
				t.Error("Has = false with the fact")
			}
			listed := New("offline")
			listed.Listings = []Listing{{Kind: tc.kind, Namespace: "payments"}}
			if got := listed.Has(tc.kind); got != tc.listable {
				t.Errorf("with a Listing only: Has = %v, want %v", got, tc.listable)
			}
			notFound := New("offline")
			notFound.NotFounds = []NotFound{{Kind: tc.kind, Name: "x"}}
			if got := notFound.Has(tc.kind); got != tc.listable {
				t.Errorf("with a NotFound only: Has = %v, want %v", got, tc.listable)
			}
			other := New("offline")
			other.Listings = []Listing{{Kind: "Other"}}
			other.NotFounds = []NotFound{{Kind: "Other", Name: "x"}}
			if other.Has(tc.kind) {
				t.Error("a listing of another kind counts")
			}
		})
	}
	if New("offline").Has("Unknown") {
		t.Error("Has(Unknown) = true")
	}
}

func TestListedIn(t *testing.T) {
	s := New("offline")
	s.Listings = []Listing{
		{Kind: KindServiceAccount, Namespace: "payments", Source: Source{Kind: "bundle", Ref: "sa-payments.json"}},
		{Kind: KindPod, AllNamespaces: true, Source: Source{Kind: "bundle", Ref: "pods-A.json"}},
		{Kind: KindRole, Account: "111122223333", Source: Source{Kind: "bundle", Ref: "roles.json"}},
	}
	for _, tc := range []struct {
		kind    Kind
		ns      string
		wantRef string // "" for no listing
	}{
		{KindServiceAccount, "payments", "sa-payments.json"},
		{KindServiceAccount, "staging", ""},
		{KindPod, "staging", "pods-A.json"},
		{KindPod, "", "pods-A.json"},
		{KindNamespace, "payments", ""},
	} {
		l, ok := s.ListedIn(tc.kind, tc.ns)
		if ok != (tc.wantRef != "") || l.Source.Ref != tc.wantRef {
			t.Errorf("ListedIn(%s, %q) = %+v, %v; want %q", tc.kind, tc.ns, l, ok, tc.wantRef)
		}
	}
	if l, ok := s.ListedInAccount(KindRole, "111122223333"); !ok || l.Source.Ref != "roles.json" {
		t.Errorf("ListedInAccount(role, 111122223333) = %+v, %v", l, ok)
	}
	if l, ok := s.ListedInAccount(KindRole, "444455556666"); ok {
		t.Errorf("ListedInAccount(role, 444455556666) = %+v", l)
	}
	if l, ok := s.ListedInAccount(KindOIDCProvider, "111122223333"); ok {
		t.Errorf("ListedInAccount(provider, 111122223333) = %+v", l)
	}
}

func TestNotFoundFor(t *testing.T) {
	s := New("offline")
	s.NotFounds = []NotFound{
		{Kind: KindServiceAccount, Namespace: "payments", Name: "s3-reader", Message: `serviceaccounts "s3-reader" not found`},
		// The AWS CLI's NoSuchEntity names no namespace.
		{Kind: KindRole, Name: "payments-s3-reader", Message: "An error occurred (NoSuchEntity)"},
	}
	for _, tc := range []struct {
		kind     Kind
		ns, name string
		want     string
	}{
		{KindServiceAccount, "payments", "s3-reader", `serviceaccounts "s3-reader" not found`},
		{KindServiceAccount, "staging", "s3-reader", ""},
		{KindServiceAccount, "payments", "api", ""},
		{KindRole, "", "payments-s3-reader", "An error occurred (NoSuchEntity)"},
		{KindRole, "anything", "payments-s3-reader", "An error occurred (NoSuchEntity)"},
		{KindPod, "payments", "s3-reader", ""},
	} {
		nf, ok := s.NotFoundFor(tc.kind, tc.ns, tc.name)
		if ok != (tc.want != "") || nf.Message != tc.want {
			t.Errorf("NotFoundFor(%s, %q, %q) = %+v, %v; want %q", tc.kind, tc.ns, tc.name, nf, ok, tc.want)
		}
	}
}

func TestCluster(t *testing.T) {
	s := New("offline")
	if s.Cluster() != nil {
		t.Error("Cluster() of no cluster is not nil")
	}
	s.Clusters = []*Cluster{{Name: "blue"}, {Name: "green"}}
	if got := s.Cluster(); got == nil || got.Name != "blue" {
		t.Errorf("Cluster() = %+v, want the first, blue", got)
	}
}

func TestAddGap(t *testing.T) {
	s := New("live")
	g := Gap{Source: "aws", Operation: "iam:GetRole", Resource: "arn:aws:iam::111122223333:role/a", Reason: "AccessDenied"}
	s.AddGap(g)
	s.AddGap(g)
	other := g
	other.Resource = "arn:aws:iam::111122223333:role/b"
	s.AddGap(other)
	reason := g
	reason.Reason = "Throttling"
	s.AddGap(reason)
	if d := cmp.Diff([]Gap{g, other, reason}, s.Gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
}

func TestSort(t *testing.T) {
	pod := func(ns, name string) *Pod { return &Pod{ObjectMeta: ObjectMeta{Namespace: ns, Name: name}} }
	wl := func(kind, ns, name string) *Workload {
		return &Workload{Kind: kind, ObjectMeta: ObjectMeta{Namespace: ns, Name: name}}
	}
	pia := func(cluster, ns, sa, arn string) *PodIdentityAssociation {
		return &PodIdentityAssociation{ClusterName: cluster, Namespace: ns, ServiceAccount: sa, ARN: arn}
	}
	s := &Snapshot{
		Pods:      []*Pod{pod("payments", "b"), pod("batch", "z"), pod("payments", "a")},
		Workloads: []*Workload{wl("StatefulSet", "payments", "a"), wl("Deployment", "payments", "b"), wl("Deployment", "batch", "z"), wl("Deployment", "payments", "a")},
		Webhooks:  []*WebhookConfiguration{{ObjectMeta: ObjectMeta{Name: "vpc-resource"}}, {ObjectMeta: ObjectMeta{Name: "pod-identity-webhook"}}},
		OIDCProviders: []*OIDCProvider{
			{ARN: "arn:aws:iam::444455556666:oidc-provider/b"}, {ARN: "arn:aws:iam::111122223333:oidc-provider/c"},
		},
		Nodes:     []*Node{{ObjectMeta: ObjectMeta{Name: "node-b"}}, {ObjectMeta: ObjectMeta{Name: "node-a"}}},
		Instances: []*EC2Instance{{InstanceID: "i-0bbbbbbbbbbbbbbbb"}, {InstanceID: "i-0aaaaaaaaaaaaaaaa"}},
		PodIdentityAssociations: []*PodIdentityAssociation{
			pia("prod", "payments", "s3-reader", "arn:2"), pia("prod", "payments", "s3-reader", "arn:1"),
			pia("prod", "batch", "runner", "arn:3"), pia("dev", "payments", "s3-reader", "arn:4"),
		},
		Files: []File{{Path: "b/role.json"}, {Path: "b/pods.json"}, {Path: "a/sa.json"}},
		Gaps: []Gap{
			{Source: "kube", Operation: "list pods", Resource: "namespace a"},
			{Source: "aws", Operation: "iam:GetRole", Resource: "role b"},
			{Source: "aws", Operation: "iam:GetRole", Resource: "role a"},
			{Source: "aws", Operation: "eks:DescribeCluster", Resource: "prod"},
		},
	}
	s.Sort()

	var got []string
	for _, p := range s.Pods {
		got = append(got, Key(p.Namespace, p.Name))
	}
	for _, w := range s.Workloads {
		got = append(got, w.Namespace+" "+w.Kind+" "+w.Name)
	}
	for _, w := range s.Webhooks {
		got = append(got, w.Name)
	}
	for _, p := range s.OIDCProviders {
		got = append(got, p.ARN)
	}
	for _, n := range s.Nodes {
		got = append(got, n.Name)
	}
	for _, i := range s.Instances {
		got = append(got, i.InstanceID)
	}
	for _, a := range s.PodIdentityAssociations {
		got = append(got, a.ClusterName+" "+a.Namespace+" "+a.ServiceAccount+" "+a.ARN)
	}
	for _, f := range s.Files {
		got = append(got, f.Path)
	}
	for _, g := range s.Gaps {
		got = append(got, g.Source+" "+g.Operation+" "+g.Resource)
	}
	want := []string{
		"batch/z", "payments/a", "payments/b",
		"batch Deployment z", "payments Deployment a", "payments Deployment b", "payments StatefulSet a",
		"pod-identity-webhook", "vpc-resource",
		"arn:aws:iam::111122223333:oidc-provider/c", "arn:aws:iam::444455556666:oidc-provider/b",
		"node-a", "node-b",
		"i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb",
		"dev payments s3-reader arn:4", "prod batch runner arn:3", "prod payments s3-reader arn:1", "prod payments s3-reader arn:2",
		"a/sa.json", "b/pods.json", "b/role.json",
		"aws eks:DescribeCluster prod", "aws iam:GetRole role a", "aws iam:GetRole role b", "kube list pods namespace a",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sorted (-want +got):\n%s", d)
	}
}

// TestPodIdentityAssociationFor: an association counts for the cluster
// the snapshot describes (name, and account and region where both are
// known), or, without a cluster, only when every association is of one.
func TestPodIdentityAssociationFor(t *testing.T) {
	prod := &Cluster{Name: "prod", Account: "111122223333", Region: "eu-west-1"}
	assoc := func(id, cluster, account, region, ns, sa string) *PodIdentityAssociation {
		return &PodIdentityAssociation{ID: id, ClusterName: cluster, Account: account, Region: region, Namespace: ns, ServiceAccount: sa}
	}
	for _, tc := range []struct {
		name    string
		cluster *Cluster
		assocs  []*PodIdentityAssociation
		want    string // the ID found; "" for nil
	}{
		{"none", prod, nil, ""},
		{"none without a cluster", nil, nil, ""},
		{"the cluster's", prod, []*PodIdentityAssociation{assoc("a-1", "prod", "111122223333", "eu-west-1", "payments", "s3-reader")}, "a-1"},
		{"another SA", prod, []*PodIdentityAssociation{assoc("a-1", "prod", "111122223333", "eu-west-1", "payments", "api")}, ""},
		{"another namespace", prod, []*PodIdentityAssociation{assoc("a-1", "prod", "111122223333", "eu-west-1", "staging", "s3-reader")}, ""},
		{"another cluster", prod, []*PodIdentityAssociation{assoc("a-1", "dev", "111122223333", "eu-west-1", "payments", "s3-reader")}, ""},
		{"another account", prod, []*PodIdentityAssociation{assoc("a-1", "prod", "444455556666", "eu-west-1", "payments", "s3-reader")}, ""},
		{"another region", prod, []*PodIdentityAssociation{assoc("a-1", "prod", "111122223333", "us-east-1", "payments", "s3-reader")}, ""},
		{"account and region unknown", prod, []*PodIdentityAssociation{assoc("a-1", "prod", "", "", "payments", "s3-reader")}, "a-1"},
		{"the cluster's account and region unknown", &Cluster{Name: "prod"},
			[]*PodIdentityAssociation{assoc("a-1", "prod", "444455556666", "us-east-1", "payments", "s3-reader")}, "a-1"},
		{"the one of the cluster among others", prod, []*PodIdentityAssociation{
			assoc("a-1", "prod", "444455556666", "eu-west-1", "payments", "s3-reader"),
			assoc("a-2", "dev", "111122223333", "eu-west-1", "payments", "s3-reader"),
			assoc("a-3", "prod", "111122223333", "eu-west-1", "payments", "s3-reader"),
		}, "a-3"},
		{"no cluster, all of one cluster", nil, []*PodIdentityAssociation{
			assoc("a-1", "prod", "111122223333", "eu-west-1", "payments", "api"),
			assoc("a-2", "prod", "111122223333", "eu-west-1", "payments", "s3-reader"),
		}, "a-2"},
		{"no cluster, two cluster names", nil, []*PodIdentityAssociation{
			assoc("a-1", "prod", "111122223333", "eu-west-1", "payments", "s3-reader"),
			assoc("a-2", "dev", "111122223333", "eu-west-1", "payments", "api"),
		}, ""},
		{"no cluster, one name in two accounts", nil, []*PodIdentityAssociation{
			assoc("a-1", "prod", "111122223333", "eu-west-1", "payments", "s3-reader"),
			assoc("a-2", "prod", "444455556666", "eu-west-1", "payments", "api"),
		}, ""},
		{"no cluster, one name in two regions", nil, []*PodIdentityAssociation{
			assoc("a-1", "prod", "111122223333", "eu-west-1", "payments", "s3-reader"),
			assoc("a-2", "prod", "111122223333", "us-east-1", "payments", "api"),
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New("offline")
			if tc.cluster != nil {
				s.Clusters = []*Cluster{tc.cluster}
			}
			s.PodIdentityAssociations = tc.assocs
			got := s.PodIdentityAssociationFor("payments", "s3-reader")
			if (got == nil) != (tc.want == "") || got != nil && got.ID != tc.want {
				t.Errorf("PodIdentityAssociationFor(payments, s3-reader) = %+v, want %q", got, tc.want)
			}
		})
	}
}

func TestProbeLookups(t *testing.T) {
	s := New("live")
	s.Probes = []*ProbeResult{
		{Namespace: "payments", ServiceAccount: "api", RoleARN: "arn:aws:iam::111122223333:role/api"},
		{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: "arn:aws:iam::111122223333:role/s3"},
	}
	s.DryRuns = []*DryRunResult{
		{Kind: "Deployment", Namespace: "payments", Name: "api", Mutated: true},
		{Kind: "StatefulSet", Namespace: "payments", Name: "api"},
	}
	if p := s.ProbeFor("payments", "s3-reader"); p == nil || p.RoleARN != "arn:aws:iam::111122223333:role/s3" {
		t.Errorf("ProbeFor(payments, s3-reader) = %+v", p)
	}
	if p := s.ProbeFor("staging", "s3-reader"); p != nil {
		t.Errorf("ProbeFor(staging, s3-reader) = %+v, want nil", p)
	}
	if d := s.DryRunFor("Deployment", "payments", "api"); d == nil || !d.Mutated {
		t.Errorf("DryRunFor(Deployment payments/api) = %+v", d)
	}
	if d := s.DryRunFor("StatefulSet", "payments", "api"); d == nil || d.Mutated {
		t.Errorf("DryRunFor(StatefulSet payments/api) = %+v", d)
	}
	if d := s.DryRunFor("DaemonSet", "payments", "api"); d != nil {
		t.Errorf("DryRunFor(DaemonSet payments/api) = %+v, want nil", d)
	}
	if got := ProbeSAResource("payments", "api"); got != "serviceaccount payments/api" {
		t.Errorf("ProbeSAResource = %q", got)
	}
	if got := ProbeNamespaceResource("payments"); got != "namespace payments" {
		t.Errorf("ProbeNamespaceResource = %q", got)
	}
}
