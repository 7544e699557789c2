package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Permissions (issue 13): "can this pod do X?" for the credentials each
// container really uses. A question is asked of a container whose
// credential chain ends at an IAM role the input names (the IRSA role of
// its web identity, or its EKS Pod Identity association's role): every
// --can question of the run (Context.Questions), and every AccessDenied
// seen for the container whose line names that very role (the catalogue's
// denied-pod-role and denied-permissions-boundary signatures; the line's
// action and resource are the question). A refusal by a policy outside the
// input (denied-outside-input: an SCP, RCP, resource-based or VPC endpoint
// policy) is no question: the role's policies cannot explain it.

// Signatures whose AccessDenied lines are questions about the pod's role.
const (
	SignatureDeniedPodRole  = "denied-pod-role"
	SignatureDeniedBoundary = "denied-permissions-boundary"
)

// AskedCan is PermissionQuestion.Asked for a --can question.
const AskedCan = "can"

// The checks that judge permission questions.
const (
	CheckLacksPermission   = "IRSA601"
	CheckExplicitlyDenied  = "IRSA602"
	CheckBoundaryBlocksIt  = "IRSA603"
	permissionCheckUnknown = ""
)

// PermissionQuestion is one question about a container's role and its
// answer.
type PermissionQuestion struct {
	Container string
	// Role is the container's role; RoleFrom says where it comes from
	// ("IRSA role", "EKS Pod Identity role") and RoleSource is the fact.
	Role       arn.Role
	RoleFrom   string
	RoleSource snapshot.Source
	Question   policy.Question
	// Asked is AskedCan, or the observation's source (log, file,
	// cloudtrail); Observation is the AccessDenied seen (nil for --can).
	Asked       string
	Observation *snapshot.Observation
	// BadResource says why the observed resource is not a valid ARN (a
	// truncated line): the question is still evaluated, but no fix names
	// that resource.
	BadResource string
	// BadAction says why the observed action is not SERVICE:ACTION: the
	// question cannot be evaluated.
	BadAction string
	Policies  IdentityPolicies
	// Result is the evaluation; meaningful only when Evaluated.
	Result    policy.PermissionResult
	Evaluated bool
}

// Observed reports a question that comes from an AccessDenied seen.
func (q *PermissionQuestion) Observed() bool { return q.Observation != nil }

// Describe is the question in words: `s3:GetObject on arn:aws:s3:::x/*`.
func (q *PermissionQuestion) Describe() string {
	if q.Question.Resource == "" {
		return q.Question.Action
	}
	return q.Question.Action + " on " + q.Question.Resource
}

// CheckID is the check that fails for the question ("" when none does).
func (q *PermissionQuestion) CheckID() string {
	if !q.Evaluated {
		return permissionCheckUnknown
	}
	switch {
	case q.Result.Decision == policy.ExplicitDeny:
		return CheckExplicitlyDenied
	case q.Result.BlockedByBoundary:
		return CheckBoundaryBlocksIt
	case q.Result.Decision == policy.ImplicitDeny:
		return CheckLacksPermission
	}
	return permissionCheckUnknown
}

// Decision is the contract's decision.
func (q *PermissionQuestion) Decision() string {
	if !q.Evaluated {
		return finding.DecisionUnknown
	}
	return string(q.Result.Decision)
}

// WhyUnknown says why the question has no answer ("" when it has one): the
// capture commands of what the input lacks, a policy that does not parse,
// an action that is no action.
func (q *PermissionQuestion) WhyUnknown() string {
	switch {
	case q.BadAction != "":
		return q.BadAction
	case !q.Policies.Complete:
		var parts []string
		if len(q.Policies.Problems) > 0 {
			parts = append(parts, strings.Join(q.Policies.Problems, "; "))
		}
		if len(q.Policies.Missing) > 0 {
			parts = append(parts, "the input lacks the identity policies of role "+q.Role.Name+" (capture: "+strings.Join(q.Policies.Missing, "; ")+")")
		}
		return strings.Join(parts, "; ")
	case q.Result.Decision == policy.Unknown:
		return q.Result.Reason
	}
	return ""
}

// Permission is the question as the contract's permissions[] entry.
func (q *PermissionQuestion) Permission() finding.Permission {
	p := finding.Permission{Action: q.Question.Action, Resource: q.Question.Resource, Decision: q.Decision(),
		Statements: []finding.StatementRef{}, Asked: q.Asked, CheckID: q.CheckID(), Role: q.Role.ARN}
	if !q.Evaluated {
		p.Reason = q.WhyUnknown()
		return p
	}
	for _, s := range q.Result.Statements {
		p.Statements = append(p.Statements, finding.StatementRef{Policy: s.Policy, Sid: s.Sid, Index: s.Index})
	}
	p.Reason = q.Result.Reason
	return p
}

type permissionsKey struct{}

// PermissionQuestions returns the questions of every container of the
// target, in container order, observed ones first, each question once per
// container.
func PermissionQuestions(c *Context, t *Target) []*PermissionQuestion {
	return OnceFor(t, permissionsKey{}, func() []*PermissionQuestion { return permissionQuestions(c, t) })
}

// containerRole is the IAM role a container's credentials come from.
type containerRole struct {
	role   arn.Role
	from   string
	source snapshot.Source
}

// roleOfContainer returns the role the container's default credential
// chain ends at, when the input names it: the web identity role (IRSA) or
// the EKS Pod Identity association's role. ok is false for static keys,
// a profile, IMDS (the node's role) and no credentials.
func roleOfContainer(c *Context, t *Target, ch ContainerChain) (containerRole, bool) {
	if ch.Skipped {
		return containerRole{}, false
	}
	switch ch.Source {
	case SourceWebIdentity:
		if r, err := arn.ParseRole(strings.TrimSpace(ch.Role)); err == nil {
			src := t.Source
			if ref, present, err := TargetRole(t); present && err == nil && ref.ARN.ARN == r.ARN {
				src = ref.Source
			}
			return containerRole{role: r, from: "IRSA role", source: src}, true
		}
		if ref, present, err := TargetRole(t); present && err == nil {
			return containerRole{role: ref.ARN, from: "IRSA role", source: ref.Source}, true
		}
	case SourceContainer:
		if t.Mechanism != MechanismPodIdentity {
			return containerRole{}, false
		}
		a := TargetAssociation(c, t)
		if a == nil {
			return containerRole{}, false
		}
		r, why, _ := AssociationRole(a)
		if why != "" {
			return containerRole{}, false
		}
		return containerRole{role: r, from: "EKS Pod Identity role", source: a.Source}, true
	}
	return containerRole{}, false
}

// NamesRole reports whether an AccessDenied line's role (its name, and its
// account when the line has one) is role.
func NamesRole(o *snapshot.Observation, role arn.Role) bool {
	name := o.Fields["role"]
	if name == "" || name != role.Name {
		return false
	}
	acct := o.Fields["account"]
	return acct == "" || role.Account == "" || acct == role.Account
}

func permissionQuestions(c *Context, t *Target) []*PermissionQuestion {
	obs := ObservationsOf(c, t)
	var routed []*snapshot.Observation
	for _, o := range obs {
		if o.Signature == SignatureDeniedPodRole || o.Signature == SignatureDeniedBoundary {
			routed = append(routed, o)
		}
	}
	if len(routed) == 0 && len(c.Questions) == 0 {
		return nil
	}
	var out []*PermissionQuestion
	for _, ch := range CredentialChains(c.Snap, t) {
		cr, ok := roleOfContainer(c, t, ch)
		if !ok {
			continue
		}
		seen := map[policy.Question]bool{}
		add := func(q *PermissionQuestion) {
			if seen[q.Question] {
				return
			}
			seen[q.Question] = true
			q.Container, q.Role, q.RoleFrom, q.RoleSource = ch.Name, cr.role, cr.from, cr.source
			q.Policies = IdentityPoliciesOf(c, cr.role.ARN)
			if q.BadAction == "" && q.Policies.Complete {
				req := q.Question.Request()
				req.Principal = policy.Principal{Type: policy.PrincipalAWS, Value: cr.role.ARN}
				q.Result = policy.EvaluateIdentity(q.Policies.Policies, q.Policies.Boundary, req)
				q.Evaluated = q.Result.Decision != policy.Unknown
			}
			out = append(out, q)
		}
		for _, o := range routed {
			if (o.Container != "" && o.Container != ch.Name) || !NamesRole(o, cr.role) {
				continue
			}
			add(observedQuestion(o))
		}
		for _, q := range c.Questions {
			if IsChainQuestion(q) {
				continue // IRSA604 (chain.go)
			}
			add(&PermissionQuestion{Question: q, Asked: AskedCan})
		}
	}
	return out
}

// observedQuestion is the question an AccessDenied line asks: its action
// on its resource.
func observedQuestion(o *snapshot.Observation) *PermissionQuestion {
	action, resource := o.Fields["action"], o.Fields["resource"]
	q := &PermissionQuestion{Question: policy.Question{Action: action, Resource: resource}, Asked: o.Source, Observation: o}
	if _, err := policy.ParseQuestion(action); err != nil {
		q.BadAction = "the error line's action is not SERVICE:ACTION: " + err.Error()
		return q
	}
	if resource != "" {
		if _, err := policy.ParseQuestion(action + "=" + resource); err != nil {
			q.BadResource = err.Error()
		}
	}
	return q
}

// StatementLabel names a statement as the user finds it in the console:
// by Sid, else by position.
func StatementLabel(s policy.StatementRef) string {
	what := "policy " + s.Policy
	if n, ok := strings.CutPrefix(s.Policy, policy.InlinePrefix); ok {
		what = fmt.Sprintf("inline policy %q", n)
	}
	if s.Sid != "" {
		return fmt.Sprintf("the statement Sid %q of %s", s.Sid, what)
	}
	return fmt.Sprintf("Statement[%d] of %s", s.Index, what)
}

// PolicySource is where a policy's document came from in the input.
func PolicySource(c *Context, q *PermissionQuestion, name string) snapshot.Source {
	if n, ok := strings.CutPrefix(name, policy.InlinePrefix); ok {
		if rp := c.Snap.RolePoliciesFor(q.Role.Name); rp != nil {
			if d := rp.InlineDocument(n); d != nil {
				return d.Source
			}
		}
		return q.RoleSource
	}
	if mp := c.Snap.ManagedPolicyFor(name); mp != nil {
		if mp.DocumentSource.Ref != "" {
			return mp.DocumentSource
		}
		return mp.Source
	}
	return q.RoleSource
}

// ReviewObserved is the comment before a permission fix derived from an
// error seen: a log line is written by the application that printed it,
// so what it asks for is reviewed before it is granted.
const ReviewObserved = "review: derived from an observed error"

// AllowFix is IRSA601's fix: an inline policy that allows exactly the
// request, put on the role, always commented out in fix.sh after why it
// must be reviewed. Nothing broader is ever offered: AllowStatementFor
// refuses wildcards, iam:*, sts:*, *:*, and a resource that is not an ARN
// (a truncated line); the finding then says why there is no command.
func AllowFix(q *PermissionQuestion) []Detail {
	src := q.RoleSource
	if q.Observation != nil {
		src = q.Observation.File
	}
	if q.BadResource != "" {
		return []Detail{Ev(src, "no fix command: the error line's resource is not a valid ARN (was the line cut short?): "+q.BadResource)}
	}
	doc, err := policy.AllowStatementFor(q.Question.Action, q.Question.Resource)
	if err != nil {
		return []Detail{Ev(src, "no fix command: "+err.Error())}
	}
	name := PermissionPolicyName(q.Question)
	file := q.Role.Name + "." + name + ".json"
	cmd := Command(Lit("aws"), Lit("iam"), Lit("put-role-policy"),
		Lit("--role-name"), RoleName(q.Role.Name),
		Lit("--policy-name"), Lit(name),
		Lit("--policy-document"), FileURL(file))
	off := ReviewObserved + " (" + q.Describe() + "; a log line is written by the application that printed it)"
	if q.Asked == AskedCan {
		off = "review: derived from --can " + q.Question.String()
	}
	return []Detail{FixFile(file, strings.TrimRight(doc, "\n")+"\n"), Instead(off, cmd)}
}

// PermissionPolicyName is the inline policy's name: irsa-doctor-SERVICE-
// ACTION-HASH, HASH the first 8 hex digits of the resource's SHA-256 (one
// policy per request, so that a second fix does not replace the first).
// IAM policy names are [\w+=,.@-]{1,128}.
func PermissionPolicyName(q policy.Question) string {
	service, action, _ := strings.Cut(q.Action, ":")
	sum := sha256.Sum256([]byte(q.Resource))
	return "irsa-doctor-" + service + "-" + action + "-" + hex.EncodeToString(sum[:4])
}

// IsPermissionCheck reports IRSA601, IRSA602 and IRSA603.
func IsPermissionCheck(id string) bool {
	return id == CheckLacksPermission || id == CheckExplicitlyDenied || id == CheckBoundaryBlocksIt
}

// PermissionExplains reports whether the failure of permission check id
// on the target is about the AccessDenied o (the question o asks got that
// check), rather than about a --can question or another error: a failing
// IRSA601 for kms:Decrypt does not explain an s3:GetObject refusal.
func PermissionExplains(c *Context, t *Target, o *snapshot.Observation, id string) bool {
	for _, q := range PermissionQuestions(c, t) {
		if q.Observation == o && q.CheckID() == id {
			return true
		}
	}
	return false
}
