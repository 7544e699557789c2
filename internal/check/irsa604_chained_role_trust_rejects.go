package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa604 = &Check{
	ID:       "IRSA604",
	Slug:     "chained-role-trust-rejects",
	Title:    "A role the container assumes with its IRSA or Pod Identity credentials does not let it",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads,
	Requires: []*Check{irsa101},
	Applies: func(c *model.Context, t *model.Target) bool {
		return len(model.ChainedRoles(c, t)) > 0
	},
	Containers: func(c *model.Context, t *model.Target) []string {
		var names []string
		for _, cr := range model.ChainedRoles(c, t) {
			names = append(names, cr.Container)
		}
		return names
	},
	Run: runIRSA604,
}

func runIRSA604(c *model.Context, t *model.Target, r *Recorder) {
	chains := model.ChainedRoles(c, t)
	per := map[string]int{}
	for _, cr := range chains {
		per[cr.Container]++
	}
	for _, cr := range chains {
		judgeChain(c, t, cr, per[cr.Container] > 1, r)
	}
}

// ChainAssumeRole judges one chained sts:AssumeRole: for the lead's
// `--can sts:AssumeRole=ROLE_ARN`, and for routing an observed
// denied-chained-assume-role symptom, with cr built by the caller
// (Container, RoleARN, Via, Evidence, SourceRole or SourceWhy, and
// PodIdentity/Tags, ExternalID and Session when known).
func ChainAssumeRole(c *model.Context, t *model.Target, cr model.ChainedRole, r *Recorder) {
	judgeChain(c, t, cr, true, r)
}

// judgeChain records the outcome of one chain on its container; withARN
// names the chained role in the subject too, for a container that assumes
// several (one outcome per subject). Otherwise the subject is the
// container alone, so that a pod's outcome folds into its workload's.
func judgeChain(c *model.Context, t *model.Target, cr model.ChainedRole, withARN bool, r *Recorder) {
	subj := t.ContainerSubject(cr.Container)
	if withARN {
		subj.ARN = cr.RoleARN
	}
	details := []model.Detail{}
	if cr.Evidence != nil {
		details = append(details, cr.Evidence)
	}
	if cr.Missing != "" {
		r.Skip(subj, fmt.Sprintf("%s, so the role it makes the SDK assume is unknown (capture: %s)", cr.MissingWhy, cr.Missing), details...)
		return
	}
	target, err := arn.ParseRole(strings.TrimSpace(cr.RoleARN))
	if err != nil {
		r.Skip(subj, fmt.Sprintf("the role container %s assumes (%s) is not a role ARN: %v", cr.Container, cr.Via, err), details...)
		return
	}
	if cr.SourceRole == "" {
		r.Skip(subj, fmt.Sprintf("container %s assumes role %s (%s), but %s", cr.Container, target.Name, cr.Via, cr.SourceWhy), details...)
		return
	}
	source, err := arn.ParseRole(strings.TrimSpace(cr.SourceRole))
	if err != nil {
		r.Skip(subj, fmt.Sprintf("the role container %s assumes role %s from (%s) is not a role ARN: %v", cr.Container, target.Name, cr.SourceRole, err), details...)
		return
	}
	cross := source.Account != target.Account
	lk := model.FindRole(c.Snap, target)
	if lk.Role == nil {
		why, ev := model.RoleAbsentReason(c, target)
		if cross && !strings.Contains(why, "--profile") {
			why += fmt.Sprintf("; it is in account %s, not %s (the source role's): capture it with credentials of that account (--profile PROFILE_OF_%s)", target.Account, source.Account, target.Account)
		}
		r.Skip(subj, fmt.Sprintf("container %s assumes role %s (%s), but the chained %s", cr.Container, target.Name, cr.Via, why), append(details, ev...)...)
		return
	}
	role := lk.Role
	doc, err := c.RoleTrustDocument(role)
	if err != nil {
		r.Skip(subj, fmt.Sprintf("the trust policy of role %s does not parse: %v", role.Name, err), details...)
		return
	}
	details = append(details, model.Ev(role.Source, fmt.Sprintf("role %s trust policy: %s", role.Name, model.IamCompactPolicy(doc))))
	ask := policy.ChainAsk{SourceRole: source.ARN, Session: cr.Session, ExternalID: cr.ExternalID, Tags: cr.Tags}
	actions := ask.ChainActions()
	if cr.Tags {
		details = append(details, model.Ev(role.Source, "the source is EKS Pod Identity, whose session tags are transitive: the chained AssumeRole carries them, so the trust policy must allow sts:TagSession too"))
	}

	// The chained role's side: its trust policy.
	var trustDenied, trustUnknown []policy.Result
	named := true
	for _, action := range actions {
		res := c.Evaluate(doc, ask.Request(action))
		switch res.Decision {
		case policy.Allowed:
			named = named && policy.NamesPrincipal(res, source.ARN)
		case policy.Unknown:
			trustUnknown = append(trustUnknown, res)
		default:
			trustDenied = append(trustDenied, res)
		}
	}

	// The source role's side: its identity policies. Within one account a
	// trust policy that names the role suffices; across accounts, or when
	// the trust policy trusts the account, the identity policies must allow
	// it too (IAM User Guide, "Cross-account policy evaluation logic").
	// A refused trust policy within one account is corrected to name the
	// role, after which it suffices.
	needIdentity := cross || !named && len(trustDenied) == 0
	ip := model.IdentityPoliciesOf(c, source.ARN)
	var idDenied []policy.PermissionResult
	var idUnknown []string
	if needIdentity && ip.Complete {
		for _, action := range actions {
			pr := policy.EvaluateIdentity(ip.Policies, ip.Boundary, policy.Request{Action: action, Resource: target.ARN})
			switch pr.Decision {
			case policy.Allowed:
			case policy.Unknown:
				idUnknown = append(idUnknown, pr.Reason)
			default:
				idDenied = append(idDenied, pr)
			}
		}
	}
	both := ""
	if cross {
		both = fmt.Sprintf(" (a cross-account chain, account %s to %s: IAM requires both the trust policy of role %s and the identity policies of role %s to allow it)", source.Account, target.Account, target.Name, source.Name)
	}
	what := fmt.Sprintf("container %s assumes role %s (%s) with the credentials of role %s", cr.Container, target.Name, cr.Via, source.Name)

	switch {
	case len(trustDenied) > 0:
		var explain, acts []string
		for _, res := range trustDenied {
			acts = append(acts, res.Request.Action)
			explain = append(explain, res.Request.Action+" "+res.Explain())
		}
		msg := fmt.Sprintf("%s, but the trust policy of role %s does not allow %s to role %s's session: %s%s", what, target.Name,
			strings.Join(acts, " and "), source.Name, strings.Join(explain, "; "), both)
		if len(idDenied) > 0 {
			// Both sides refuse: both fixes, the trust policy's remedy last.
			msg += fmt.Sprintf("; and the identity policies of role %s do not allow it either: %s", source.Name, idDenied[0].Reason)
			details = append(details, chainIdentityFix(c, source, target, idDenied)...)
		}
		details = append(details, chainTrustFix(c, source, target, role.Name, doc, trustDenied, ask)...)
		r.Fail(subj, msg, details...)
	case len(idDenied) > 0:
		var reasons []string
		for _, pr := range idDenied {
			reasons = append(reasons, pr.Reason)
		}
		side := fmt.Sprintf("the trust policy of role %s allows it, but the identity policies of role %s do not: change role %s (the source), not the chained role", target.Name, source.Name, source.Name)
		if !named && !cross {
			side = fmt.Sprintf("the trust policy of role %s trusts the account, not the role, so the identity policies of role %s must allow it, and they do not: change role %s (the source)", target.Name, source.Name, source.Name)
		}
		r.Fail(subj, fmt.Sprintf("%s; %s: %s%s", what, side, strings.Join(reasons, "; "), both),
			append(details, chainIdentityFix(c, source, target, idDenied)...)...)
	case len(trustUnknown) > 0:
		var explain []string
		for _, res := range trustUnknown {
			explain = append(explain, res.Request.Action+" "+res.Explain())
		}
		r.Skip(subj, fmt.Sprintf("%s; whether the trust policy of role %s allows it depends on what the input does not tell: %s", what, target.Name, strings.Join(explain, "; ")), details...)
	case needIdentity && !ip.Complete:
		why := fmt.Sprintf("%s; the trust policy of role %s allows it, but whether the identity policies of role %s allow sts:AssumeRole on it is unknown", what, target.Name, source.Name)
		if len(ip.Problems) > 0 {
			why += ": " + strings.Join(ip.Problems, "; ")
		}
		if len(ip.Missing) > 0 {
			why += " (capture: " + strings.Join(ip.Missing, "; ") + ")"
		}
		r.Skip(subj, why+both, details...)
	case len(idUnknown) > 0:
		r.Skip(subj, fmt.Sprintf("%s; the trust policy of role %s allows it, and the identity policies of role %s may: %s", what, target.Name, source.Name, strings.Join(idUnknown, "; ")), details...)
	default:
		msg := fmt.Sprintf("%s: the trust policy of role %s allows %s to it", what, target.Name, strings.Join(actions, " and "))
		if needIdentity {
			msg += fmt.Sprintf(", and so do the identity policies of role %s", source.Name)
		} else {
			msg += " by naming the role, which within one account suffices"
		}
		r.PassFunc(subj, func() (string, []model.Detail) { return msg + both, details })
	}
}

// accountIAM makes an IAM command for account: offered as is in the
// cluster's account (the credentials fix.sh runs with), else commented
// with a placeholder profile of that account.
func accountIAM(c *model.Context, account string) func(words ...model.Word) model.Detail {
	if _, home, ok := model.ClusterAccount(c); ok && home == account {
		return model.SameAccount
	}
	return func(words ...model.Word) model.Detail {
		return model.Alt(fmt.Sprintf("replace PROFILE_OF_%s with a profile of account %s, the role's", account, account),
			model.Command(append(words, model.Lit("--profile"), model.Lit("PROFILE_OF_"+account))...))
	}
}

// chainTrustFix corrects the chained role's trust policy (its side), or
// names the Deny to narrow.
func chainTrustFix(c *model.Context, source, target arn.Role, roleName string, doc *policy.Document, denied []policy.Result, ask policy.ChainAsk) []model.Detail {
	for _, res := range denied {
		if res.Decision == policy.ExplicitDeny {
			return []model.Detail{model.Remedy(fmt.Sprintf("%s of role %s denies %s to role %s, which overrides any Allow: narrow or remove that statement, in account %s (the chained role's side).",
				res.Deciding.Statement.Name(), roleName, res.Request.Action, source.Name, target.Account))}
		}
	}
	fix, err := policy.CorrectChainTrust(doc, denied, ask)
	if err != nil {
		return nil
	}
	file := roleName + ".trust-policy.json"
	iam := accountIAM(c, target.Account)
	cmd := model.Command(model.Lit("aws"), model.Lit("iam"), model.Lit("update-assume-role-policy"), model.Lit("--role-name"), model.RoleName(roleName), model.Lit("--policy-document"), model.FileURL(file))
	if _, home, ok := model.ClusterAccount(c); !ok || home != target.Account {
		cmd = cmd.With(model.Lit("--profile"), model.Lit("PROFILE_OF_"+target.Account))
	}
	return append(append([]model.Detail{model.FixFile(file, fix.Content)}, model.TrustUpdate(roleName, file, doc.JSON, iam)...),
		model.Remedy(fmt.Sprintf("Change the chained role's side: let role %s assume role %s in the trust policy of role %s (account %s; `%s`: %s), then apply it; no pod restart is needed:\n\n%s",
			source.Name, target.Name, roleName, target.Account, file, strings.Join(fix.Changes, "; "), model.Lines(cmd))))
}

// chainIdentityFix is the source role's side: an inline policy allowing
// exactly the refused action on the chained role. It is derived from a
// role ARN the input names (a ConfigMap or a container argument), so
// fix.sh holds it commented until reviewed.
func chainIdentityFix(c *model.Context, source, target arn.Role, denied []policy.PermissionResult) []model.Detail {
	var out []model.Detail
	var lines []model.Argv
	for _, pr := range denied {
		if pr.Decision == policy.ExplicitDeny || pr.BlockedByBoundary {
			return []model.Detail{model.Remedy(fmt.Sprintf("Change the source side, role %s: %s; narrow that statement (or the permissions boundary) so that it allows %s on %s.",
				source.Name, pr.Reason, pr.Request.Action, target.ARN))}
		}
		doc, err := policy.AllowStatementFor(pr.Request.Action, target.ARN)
		if err != nil {
			continue
		}
		verb := strings.TrimPrefix(pr.Request.Action, "sts:")
		file := source.Name + "." + verb + "-" + target.Name + ".json"
		name := "irsa-doctor-" + verb + "-" + target.Name
		cmd := model.Command(model.Lit("aws"), model.Lit("iam"), model.Lit("put-role-policy"), model.Lit("--role-name"), model.RoleName(source.Name),
			model.Lit("--policy-name"), model.Value("policy name", name), model.Lit("--policy-document"), model.FileURL(file))
		if _, home, ok := model.ClusterAccount(c); !ok || home != source.Account {
			cmd = cmd.With(model.Lit("--profile"), model.Lit("PROFILE_OF_"+source.Account))
		}
		out = append(out, model.FixFile(file, doc),
			model.Alt(fmt.Sprintf("review first: this grants %s on %s, an ARN read from the input, to role %s; uncomment once checked", pr.Request.Action, target.ARN, source.Name), cmd))
		lines = append(lines, cmd)
	}
	if len(lines) > 0 {
		out = append(out, model.Remedy(fmt.Sprintf("Change the source side: allow role %s to call sts:AssumeRole on role %s (account %s) with an inline policy (check first that %s is the role meant), then apply it; no pod restart is needed:\n\n%s",
			source.Name, target.ARN, source.Account, target.ARN, model.Lines(lines...))))
	}
	return out
}
