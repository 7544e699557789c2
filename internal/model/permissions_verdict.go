package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Role permissions (IRSA601-603, issue 13): each question about a
// container's role (PermissionQuestions: a --can question, or an
// AccessDenied seen that names the role) is judged by exactly one of the
// three checks when it is refused: IRSA601 when no identity statement
// allows it, IRSA602 when a Deny does, IRSA603 when the permissions
// boundary blocks what the identity policies allow. Each check records one
// outcome per container: fail when a question is refused for its reason,
// else skipped when a question has no answer (the capture commands of
// what the input lacks), else pass.

// HasPermissionQuestions reports a target with a container that has a
// question (the checks' Applies).
func HasPermissionQuestions(c *Context, t *Target) bool {
	return len(PermissionQuestions(c, t)) > 0
}

// PermissionContainers are the containers with a question, in order.
func PermissionContainers(c *Context, t *Target) []string {
	var out []string
	for _, q := range PermissionQuestions(c, t) {
		if !slices.Contains(out, q.Container) {
			out = append(out, q.Container)
		}
	}
	return out
}

// JudgePermissions is the outcome of check id (IRSA601, IRSA602 or
// IRSA603) for every container with a question.
func JudgePermissions(c *Context, t *Target, id string) Verdicts {
	var v Verdicts
	qs := PermissionQuestions(c, t)
	for _, name := range PermissionContainers(c, t) {
		subj := t.ContainerSubject(name)
		var fails, skips, passes []*PermissionQuestion
		for _, q := range qs {
			if q.Container != name {
				continue
			}
			switch {
			case !q.Evaluated:
				skips = append(skips, q)
			case q.CheckID() == id:
				fails = append(fails, q)
			default:
				passes = append(passes, q)
			}
		}
		var details []Detail
		if len(fails) > 0 {
			q := fails[0]
			details = append(details, Ev(q.RoleSource, fmt.Sprintf("container %s uses the %s %s", name, q.RoleFrom, q.Role.ARN)))
		}
		switch {
		case len(fails) > 0:
			var msgs []string
			for _, q := range fails {
				msg, ds := permissionFailure(c, q, id)
				msgs = append(msgs, msg)
				details = append(details, ds...)
			}
			v.Fail(subj, strings.Join(msgs, "; "), append(details, dedupeEvidence)...)
		case len(skips) > 0:
			var whys []string
			for _, q := range skips {
				whys = append(whys, fmt.Sprintf("%s %s: %s", q.Describe(), askedPhrase(q), q.WhyUnknown()))
			}
			v.Skip(subj, fmt.Sprintf("whether role %s may do it is not known: %s", skips[0].Role.Name, strings.Join(whys, "; ")))
		default:
			var msgs []string
			for _, q := range passes {
				msg, ds := permissionPass(c, q, id)
				msgs = append(msgs, msg)
				details = append(details, ds...)
			}
			v.Pass(subj, strings.Join(msgs, "; "), append(details, dedupeEvidence)...)
		}
	}
	return v
}

// askedPhrase says where a question comes from.
func askedPhrase(q *PermissionQuestion) string {
	switch q.Asked {
	case AskedCan:
		return "(asked with --can)"
	case snapshot.ObservedInLog:
		return "(denied in the container's log)"
	case snapshot.ObservedInCloudTrail:
		return "(denied in CloudTrail)"
	}
	return "(denied in a pasted error text)"
}

// caveats are the evaluation's caveats as evidence.
func caveats(q *PermissionQuestion) []Detail {
	var out []Detail
	for _, cv := range q.Result.Caveats {
		out = append(out, Ev(q.RoleSource, "caveat: "+cv))
	}
	return out
}

// permissionFailure is the message and evidence of a refused question, and
// for IRSA601 its fix.
func permissionFailure(c *Context, q *PermissionQuestion, id string) (string, []Detail) {
	var ds []Detail
	for _, s := range q.Result.Statements {
		ds = append(ds, Ev(PolicySource(c, q, s.Policy), "decided by "+StatementLabel(s)))
	}
	var msg string
	switch id {
	case CheckExplicitlyDenied:
		msg = fmt.Sprintf("role %s may not do %s %s: %s", q.Role.Name, q.Describe(), askedPhrase(q), q.Result.Reason)
	case CheckBoundaryBlocksIt:
		msg = fmt.Sprintf("the permissions boundary %s of role %s does not allow %s %s: %s", q.Policies.Boundary.Name, q.Role.Name, q.Describe(), askedPhrase(q), q.Result.Reason)
	default:
		msg = fmt.Sprintf("role %s does not allow %s %s: %s", q.Role.Name, q.Describe(), askedPhrase(q), q.Result.Reason)
		near := policy.NearMisses(q.Policies.Policies, q.Question.Request())
		if len(near) > 0 {
			n := near[0]
			clause := fmt.Sprintf("%s allows %s but misses the request: %s", StatementLabel(n.Statement), n.Resource, n.Why)
			if n.Fixed != "" {
				clause += "; it would cover it as " + n.Fixed
			}
			msg += "; " + clause
			for _, m := range near {
				ds = append(ds, Ev(PolicySource(c, q, m.Statement.Policy), fmt.Sprintf("near miss: %s allows %s: %s", StatementLabel(m.Statement), m.Resource, m.Why)))
			}
		}
		ds = append(ds, AllowFix(q)...)
	}
	ds = append(ds, caveats(q)...)
	return msg, ds
}

// permissionPass is the message and evidence of a question check id does
// not fail for.
func permissionPass(c *Context, q *PermissionQuestion, id string) (string, []Detail) {
	var ds []Detail
	if q.Result.Decision != policy.Allowed {
		// Refused, for another check's reason.
		return fmt.Sprintf("%s %s: not this check's case, %s judges it", q.Describe(), askedPhrase(q), q.CheckID()), nil
	}
	for _, s := range q.Result.Statements {
		ds = append(ds, Ev(PolicySource(c, q, s.Policy), "allowed by "+StatementLabel(s)))
	}
	ds = append(ds, caveats(q)...)
	if q.Observed() {
		return fmt.Sprintf("role %s allows %s by its identity policies%s, yet the error seen says it was denied %s: the facts and the symptom disagree; likely a service control policy, a resource policy, a session policy, or a capture older or newer than the error",
			q.Role.Name, q.Describe(), boundaryNote(q), askedPhrase(q)), ds
	}
	return fmt.Sprintf("role %s allows %s %s: %s", q.Role.Name, q.Describe(), askedPhrase(q), q.Result.Reason), ds
}

func boundaryNote(q *PermissionQuestion) string {
	if q.Policies.Boundary != nil {
		return " and its permissions boundary"
	}
	return ""
}

// dedupeEvidence drops evidence repeated by several questions (the same
// caveat), keeping the first.
func dedupeEvidence(f *finding.Finding) {
	var out []finding.Evidence
	for _, e := range f.Evidence {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	f.Evidence = out
}
