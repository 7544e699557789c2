package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// roleMissingEvidence is the proof that the role does not exist.
func RoleMissingEvidence(s *snapshot.Snapshot, ref arn.Role) Detail {
	if nf, ok, _ := roleNoSuchEntity(s, ref); ok {
		return Ev(nf.Source, nf.Message)
	}
	l, _ := s.ListedInAccount(snapshot.KindRole, ref.Account)
	var names []string
	for _, k := range iamSortedRoleKeys(s) {
		if role := s.Roles[k]; role.Account == ref.Account {
			names = append(names, role.Name)
		}
	}
	shown := names
	if len(shown) > 10 {
		shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	noun := "roles"
	if len(names) == 1 {
		noun = "role"
	}
	return Ev(l.Source, fmt.Sprintf("list-roles of account %s (%d %s): %s", ref.Account, len(names), noun, strings.Join(shown, ", ")))
}
