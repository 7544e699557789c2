package snapshot

import (
	"fmt"
	"sync"
	"testing"
)

// scanAssociationFor is PodIdentityAssociationFor as it was, a scan of
// every association per lookup: the reference for what the index answers.
func scanAssociationFor(s *Snapshot, namespace, name string) *PodIdentityAssociation {
	if len(s.PodIdentityAssociations) == 0 {
		return nil
	}
	c := s.Cluster()
	if c == nil {
		first := s.PodIdentityAssociations[0]
		for _, a := range s.PodIdentityAssociations[1:] {
			if a.ClusterName != first.ClusterName || a.Account != first.Account || a.Region != first.Region {
				return nil
			}
		}
	}
	for _, a := range s.PodIdentityAssociations {
		if a.Namespace != namespace || a.ServiceAccount != name {
			continue
		}
		if c != nil && (a.ClusterName != c.Name || !sameOrUnknown(a.Account, c.Account) || !sameOrUnknown(a.Region, c.Region)) {
			continue
		}
		return a
	}
	return nil
}

func TestPodIdentityAssociationForIndex(t *testing.T) {
	assoc := func(cluster, account, region, ns, sa, id string) *PodIdentityAssociation {
		return &PodIdentityAssociation{ClusterName: cluster, Account: account, Region: region, Namespace: ns, ServiceAccount: sa, ID: id}
	}
	prod := &Cluster{Name: "prod", Account: "111122223333", Region: "us-west-2"}
	tests := []struct {
		name     string
		clusters []*Cluster
		assocs   []*PodIdentityAssociation
	}{
		{name: "none"},
		{name: "one cluster, no cluster described", assocs: []*PodIdentityAssociation{
			assoc("prod", "111122223333", "us-west-2", "payments", "api", "a1"),
			assoc("prod", "111122223333", "us-west-2", "payments", "worker", "a2"),
			assoc("prod", "111122223333", "us-west-2", "payments", "api", "a3"),
		}},
		{name: "two clusters, no cluster described", assocs: []*PodIdentityAssociation{
			assoc("prod", "111122223333", "us-west-2", "payments", "api", "a1"),
			assoc("prod", "111122223333", "eu-west-1", "payments", "api", "a2"),
		}},
		{name: "two clusters, one described", clusters: []*Cluster{prod}, assocs: []*PodIdentityAssociation{
			assoc("staging", "111122223333", "us-west-2", "payments", "api", "a1"),
			assoc("prod", "444455556666", "us-west-2", "payments", "api", "a2"),
			assoc("prod", "", "", "payments", "api", "a3"),
			assoc("prod", "111122223333", "us-west-2", "payments", "api", "a4"),
		}},
		{name: "a slash in a name", assocs: []*PodIdentityAssociation{
			assoc("prod", "", "", "a/b", "c", "a1"),
			assoc("prod", "", "", "a", "b/c", "a2"),
		}},
	}
	lookups := [][2]string{{"payments", "api"}, {"payments", "worker"}, {"payments", "none"}, {"a/b", "c"}, {"a", "b/c"}, {"", ""}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Snapshot{Clusters: tt.clusters, PodIdentityAssociations: tt.assocs}
			check := func() {
				t.Helper()
				for _, l := range lookups {
					if got, want := s.PodIdentityAssociationFor(l[0], l[1]), scanAssociationFor(s, l[0], l[1]); got != want {
						t.Errorf("PodIdentityAssociationFor(%q, %q) = %+v, want %+v", l[0], l[1], got, want)
					}
				}
			}
			check()
			// The index follows a slice that grows or is replaced.
			s.PodIdentityAssociations = append(s.PodIdentityAssociations, assoc("prod", "111122223333", "us-west-2", "payments", "worker", "late"))
			check()
			s.PodIdentityAssociations = s.PodIdentityAssociations[1:]
			check()
			if len(s.PodIdentityAssociations) > 0 {
				s.PodIdentityAssociations = append([]*PodIdentityAssociation{assoc("prod", "111122223333", "us-west-2", "a", "b/c", "new")}, s.PodIdentityAssociations[1:]...)
				check()
			}
		})
	}
}

// TestPodIdentityAssociationForLinear: one lookup per ServiceAccount of a
// cluster with an association each examines O(1) associations, and the
// index is built once; the scan examined them all per lookup (O(N²)).
func TestPodIdentityAssociationForLinear(t *testing.T) {
	cost := func(n int) int {
		s := &Snapshot{Clusters: []*Cluster{{Name: "prod"}}}
		for i := range n {
			s.PodIdentityAssociations = append(s.PodIdentityAssociations,
				&PodIdentityAssociation{ClusterName: "prod", Namespace: fmt.Sprintf("ns%d", i%50), ServiceAccount: fmt.Sprintf("sa%d", i)})
		}
		total := 0
		var first *podIdentityIndex
		for i := range n {
			a, examined := s.podIdentityAssociationFor(fmt.Sprintf("ns%d", i%50), fmt.Sprintf("sa%d", i))
			if a == nil {
				t.Fatalf("sa%d: no association", i)
			}
			total += examined
			if ix := s.indexes().assocs.Load(); first == nil {
				first = ix
			} else if ix != first {
				t.Fatalf("the index was rebuilt at lookup %d", i)
			}
		}
		return total
	}
	small, large := cost(1000), cost(10000)
	t.Logf("%d associations examined for 1,000 lookups, %d for 10,000", small, large)
	if large > 12*small {
		t.Errorf("%d associations examined for 1,000 lookups, %d for 10,000: not linear", small, large)
	}
}

// TestPodIdentityAssociationForConcurrent: the checks look up from several
// goroutines at once (run with -race).
func TestPodIdentityAssociationForConcurrent(t *testing.T) {
	s := &Snapshot{}
	for i := range 200 {
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, &PodIdentityAssociation{Namespace: "ns", ServiceAccount: fmt.Sprint(i)})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				if s.PodIdentityAssociationFor("ns", fmt.Sprint(i)) == nil {
					t.Errorf("%d not found", i)
				}
			}
		})
	}
	wg.Wait()
}

func TestNode(t *testing.T) {
	a1, a2, b := &Node{ObjectMeta: ObjectMeta{Name: "a"}}, &Node{ObjectMeta: ObjectMeta{Name: "a"}}, &Node{ObjectMeta: ObjectMeta{Name: "b"}}
	s := &Snapshot{}
	if s.Node("a") != nil {
		t.Error("a node in an empty snapshot")
	}
	s.Nodes = []*Node{a1, a2}
	if s.Node("a") != a1 || s.Node("b") != nil {
		t.Error("Node: want the first of a name")
	}
	first := s.indexes().nodes.Load()
	s.Node("a")
	if s.indexes().nodes.Load() != first {
		t.Error("the index was rebuilt without a change")
	}
	s.Nodes = append(s.Nodes, b)
	if s.Node("b") != b {
		t.Error("a node appended after a lookup is not found")
	}
	s.Nodes = []*Node{a2, b}
	if s.Node("a") != a2 {
		t.Error("a replaced slice is not indexed again")
	}
}

// TestNodeLinear: one Node lookup per pod examines O(1) nodes; the scan
// examined every node before the one found (O(N²) for N pods on N nodes).
func TestNodeLinear(t *testing.T) {
	cost := func(n int) int {
		s := &Snapshot{}
		for i := range n {
			s.Nodes = append(s.Nodes, &Node{ObjectMeta: ObjectMeta{Name: fmt.Sprintf("node-%d", i)}})
		}
		total := 0
		for i := range n {
			node, examined := s.node(fmt.Sprintf("node-%d", i))
			if node == nil {
				t.Fatalf("node-%d not found", i)
			}
			total += examined
		}
		return total
	}
	small, large := cost(1000), cost(10000)
	t.Logf("%d nodes examined for 1,000 lookups, %d for 10,000", small, large)
	if large > 12*small {
		t.Errorf("%d nodes examined for 1,000 lookups, %d for 10,000: not linear", small, large)
	}
}
