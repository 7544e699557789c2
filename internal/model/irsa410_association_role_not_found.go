package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// associationRole parses the association's role ARN. why is the skip
// reason when the input does not give a usable one (a list-only capture
// prints no role).
func AssociationRole(a *snapshot.PodIdentityAssociation) (ref arn.Role, why string, details []Detail) {
	if strings.TrimSpace(a.RoleARN) == "" {
		return arn.Role{}, fmt.Sprintf("the association's role is not in the input: list-pod-identity-associations does not print it (capture: %s)", DescribeAssociationCmd(a)),
			[]Detail{AssociationEvidence(a)}
	}
	ref, err := arn.ParseRole(strings.TrimSpace(a.RoleARN))
	if err != nil {
		return arn.Role{}, fmt.Sprintf("the association's roleArn %q is not a role ARN: %v", a.RoleARN, err), []Detail{AssociationEvidence(a)}
	}
	return ref, "", nil
}
