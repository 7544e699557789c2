package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TargetAssociation is the association of the target's ServiceAccount in
// the cluster the input describes (the association itself for an
// association target), or nil.
func TargetAssociation(c *Context, t *Target) *snapshot.PodIdentityAssociation {
	if t.Association != nil {
		return t.Association
	}
	if t.SAName == "" {
		return nil
	}
	return c.Snap.PodIdentityAssociationFor(t.Namespace, t.SAName)
}

// AssociationName names an association in messages: its ID, or its
// ServiceAccount when the input gives no ID.
func AssociationName(a *snapshot.PodIdentityAssociation) string {
	if a.ID != "" {
		return a.ID
	}
	return "for " + snapshot.Key(a.Namespace, a.ServiceAccount)
}

// AssociationEvidence shows the association as the input holds it.
func AssociationEvidence(a *snapshot.PodIdentityAssociation) Detail {
	var b strings.Builder
	fmt.Fprintf(&b, "EKS Pod Identity association %s of cluster %s: namespace %s, ServiceAccount %s", OrUnknown(a.ID), a.ClusterName, a.Namespace, a.ServiceAccount)
	if a.RoleARN != "" {
		b.WriteString(", role " + a.RoleARN)
	}
	if a.TargetRoleARN != "" {
		b.WriteString(", target role " + a.TargetRoleARN)
	}
	if a.CreatedAt != "" {
		b.WriteString(", created " + a.CreatedAt)
	}
	if a.DisableSessionTags != nil && *a.DisableSessionTags {
		b.WriteString(", session tags disabled")
	}
	return Ev(a.Source, b.String())
}

// DescribeAssociationCmd captures the association's details (its role and
// createdAt), which list-pod-identity-associations does not print.
func DescribeAssociationCmd(a *snapshot.PodIdentityAssociation) string {
	return fmt.Sprintf("aws eks describe-pod-identity-association --cluster-name %s --association-id %s%s --output json",
		IamQuoteArg(a.ClusterName), IamQuoteArg(OrPlaceholder(a.ID, "ASSOCIATION_ID")), RegionFlag(a))
}

// RegionFlag is the --region of the association's ARN: an association is
// regional, and the CLI's default region may be another.
func RegionFlag(a *snapshot.PodIdentityAssociation) string {
	if a.Region == "" {
		return ""
	}
	return " --region " + a.Region
}

func OrPlaceholder(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}

// associationPartition is the partition of the association's ARN, "" when
// it does not parse.
func associationPartition(a *snapshot.PodIdentityAssociation) string {
	f := strings.SplitN(a.ARN, ":", 3)
	if len(f) < 3 || f[0] != "arn" {
		return ""
	}
	return f[1]
}

// AssociationClusterARN is the ARN of the association's cluster, derived
// from the association's ARN (arn:P:eks:R:A:podidentityassociation/C/ID ->
// arn:P:eks:R:A:cluster/C); "" when it cannot be.
func AssociationClusterARN(a *snapshot.PodIdentityAssociation) string {
	p := associationPartition(a)
	if p == "" || a.Region == "" || a.Account == "" || a.ClusterName == "" {
		return ""
	}
	return fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", p, a.Region, a.Account, a.ClusterName)
}

// PodInjected reports whether a pod carries what the webhook injects for
// EKS Pod Identity (specUsesPodIdentity), and lists its init and regular
// containers that have AWS_CONTAINER_CREDENTIALS_FULL_URI.
func PodInjected(t *Target) (injected bool, containers []string) {
	if t.Spec == nil {
		return false, nil
	}
	for _, cont := range InitAndRegular(t.Spec) {
		if _, ok := Env(cont, webhook.EnvContainerFullURI); ok {
			containers = append(containers, cont.Name)
		}
	}
	return specUsesPodIdentity(t), containers
}

// ParseTime reads an RFC 3339 time as kubectl and the AWS CLI print them
// ("2026-11-20T10:01:52Z", "2026-03-02T15:10:44.512000+00:00").
func ParseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// SameRole compares two role ARNs as IAM does: the role name is
// case-insensitive, the path is not part of the identity.
func SameRole(a, b string) bool {
	return strings.EqualFold(roleKey(a), roleKey(b))
}

func roleKey(s string) string {
	f := strings.SplitN(strings.TrimSpace(s), ":", 6)
	if len(f) != 6 {
		return s
	}
	name := f[5][strings.LastIndexByte(f[5], '/')+1:]
	return f[1] + ":" + f[4] + ":" + name
}

// UsesPodIdentity: a template that the webhook will mutate for Pod
// Identity, or a pod that carries the injection. A pod created before its
// association has none (IRSA406 judges it).
func UsesPodIdentity(c *Context, t *Target) bool {
	if t.IsTemplate() {
		return t.PodIdentity
	}
	injected, _ := PodInjected(t)
	return t.IsPod() && injected
}

// AssociationRole parses the association's role ARN. why is the skip
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

// AssociationCommand is an aws eks command about association a: the
// words, then the association's cluster and --region (an association is
// regional, and the CLI's default region may be another). A value the
// input lacks becomes a placeholder: the command is then offered only
// commented out, and off says what to fill in.
func AssociationCommand(a *snapshot.PodIdentityAssociation, words ...Word) (cmd Argv, off string) {
	words = append(words, Lit("--cluster-name"), ClusterName(a.ClusterName))
	if a.Region != "" {
		words = append(words, Lit("--region"), Region(a.Region))
	}
	return Command(words...), ""
}

// AssociationID is the association's ID as a word, or the placeholder
// ASSOCIATION_ID with what to fill in.
func AssociationIDWord(a *snapshot.PodIdentityAssociation) (Word, string) {
	if a.ID == "" {
		return Lit("ASSOCIATION_ID"), "replace ASSOCIATION_ID with the association's ID (aws eks list-pod-identity-associations prints it)"
	}
	return AssociationID(a.ID), ""
}

// RunOrAlt runs cmd, or offers it commented out when off says it holds a
// placeholder.
func RunOrAlt(off string, cmds ...Argv) Detail {
	if off != "" {
		return Alt(off, cmds...)
	}
	return Run(cmds...)
}
