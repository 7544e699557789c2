package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// similarSANames lists ServiceAccounts of the namespace whose names look
// like the one asked for (a typo in serviceAccountName), quoted: within edit
// distance 2, or equal once a "-sa"-like suffix is dropped from either.
func SimilarSANames(s *snapshot.Snapshot, ns, name string) []string {
	var out []string
	for _, sa := range s.ServiceAccounts {
		if sa.Namespace == ns && sa.Name != name &&
			(policy.OSADistance(sa.Name, name, 2) <= 2 || trimSASuffix(sa.Name) == trimSASuffix(name)) {
			out = append(out, fmt.Sprintf("ServiceAccount %q", sa.Name))
		}
	}
	sort.Strings(out)
	return out
}

// trimSASuffix drops the suffixes people add to ServiceAccount names.
func trimSASuffix(name string) string {
	for _, suf := range []string{"-serviceaccount", "-service-account", "-sa"} {
		if n, ok := strings.CutSuffix(name, suf); ok && n != "" {
			return n
		}
	}
	return name
}
