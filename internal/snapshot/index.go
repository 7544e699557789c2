package snapshot

import (
	"runtime"
	"sync"
	"unsafe"
	"weak"
)

// Lookups that every target makes (PodIdentityAssociationFor) go through
// an index, built on the first lookup: scanning a slice per target made a
// cluster of N ServiceAccounts and N associations cost O(N²) (issue 9: 10,000
// took 21 s of CPU).
//
// The index cannot live in Snapshot: the struct is plain data that callers
// build as literals, copy and compare with go-cmp, which refuses unexported
// fields. So indexes are kept beside it, in a map with weak keys: an entry
// does not keep its Snapshot alive, and is deleted once the Snapshot is
// collected. An entry is rebuilt when the slice it indexes was replaced or
// changed length; a Snapshot whose associations are edited in place after
// the first lookup is not supported (collectors finish a Snapshot before
// checks read it).
var podIdentityIndexes sync.Map // weak.Pointer[Snapshot] -> *podIdentityIndex

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
	key := weak.Make(s)
	data, n := unsafe.SliceData(s.PodIdentityAssociations), len(s.PodIdentityAssociations)
	if v, ok := podIdentityIndexes.Load(key); ok {
		if ix := v.(*podIdentityIndex); ix.data == data && ix.n == n {
			return ix
		}
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
	if _, loaded := podIdentityIndexes.Swap(key, ix); !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Snapshot]) { podIdentityIndexes.Delete(k) }, key)
	}
	return ix
}
