package snapshot

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"
)

// Lookups that every target makes (PodIdentityAssociationFor, Node) go
// through indexes, built on the first lookup: scanning a slice per target
// made N targets cost O(N²) (issue 9: 10,000 ServiceAccounts with an
// association each took 21 s of CPU).
//
// The indexes cannot live in Snapshot: the struct is plain data that
// callers build as literals, copy and compare with go-cmp, which refuses
// unexported fields. So they are kept beside it, in a map with weak keys:
// an entry does not keep its Snapshot alive, and is deleted once the
// Snapshot is collected. An index is rebuilt when the slice it indexes was
// replaced or changed length; a Snapshot whose elements are edited in
// place after the first lookup is not supported (collectors finish a
// Snapshot before checks read it).
var snapshotIndexes sync.Map // weak.Pointer[Snapshot] -> *indexes

type indexes struct {
	assocs atomic.Pointer[podIdentityIndex]
	nodes  atomic.Pointer[nodeIndex]
}

func (s *Snapshot) indexes() *indexes {
	key := weak.Make(s)
	if v, ok := snapshotIndexes.Load(key); ok {
		return v.(*indexes)
	}
	v, loaded := snapshotIndexes.LoadOrStore(key, &indexes{})
	if !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Snapshot]) { snapshotIndexes.Delete(k) }, key)
	}
	return v.(*indexes)
}

// podIdentityIndex indexes PodIdentityAssociations by namespace and
// ServiceAccount, each list in slice order.
type podIdentityIndex struct {
	data  **PodIdentityAssociation // the slice indexed: its array and length
	n     int
	byKey map[[2]string][]*PodIdentityAssociation
	// oneCluster: every association has the first one's cluster name,
	// account and region.
	oneCluster bool
}

func (s *Snapshot) podIdentityIndex() *podIdentityIndex {
	ixs := s.indexes()
	data, n := unsafe.SliceData(s.PodIdentityAssociations), len(s.PodIdentityAssociations)
	if ix := ixs.assocs.Load(); ix != nil && ix.data == data && ix.n == n {
		return ix
	}
	ix := &podIdentityIndex{data: data, n: n, byKey: map[[2]string][]*PodIdentityAssociation{}, oneCluster: true}
	for _, a := range s.PodIdentityAssociations {
		k := [2]string{a.Namespace, a.ServiceAccount}
		ix.byKey[k] = append(ix.byKey[k], a)
		first := s.PodIdentityAssociations[0]
		if a.ClusterName != first.ClusterName || a.Account != first.Account || a.Region != first.Region {
			ix.oneCluster = false
		}
	}
	ixs.assocs.Store(ix)
	return ix
}

// nodeIndex indexes Nodes by name; the first of a name wins.
type nodeIndex struct {
	data   **Node
	n      int
	byName map[string]*Node
}

func (s *Snapshot) nodeIndex() *nodeIndex {
	ixs := s.indexes()
	data, n := unsafe.SliceData(s.Nodes), len(s.Nodes)
	if ix := ixs.nodes.Load(); ix != nil && ix.data == data && ix.n == n {
		return ix
	}
	ix := &nodeIndex{data: data, n: n, byName: make(map[string]*Node, n)}
	for _, node := range s.Nodes {
		if _, ok := ix.byName[node.Name]; !ok {
			ix.byName[node.Name] = node
		}
	}
	ixs.nodes.Store(ix)
	return ix
}
