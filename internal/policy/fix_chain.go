package policy

import (
	"errors"
	"fmt"
	"strings"
)

// Role chaining: a container's SDK, holding the credentials of its IRSA or
// Pod Identity role (the source role), calls sts:AssumeRole on another role
// (the chained role). IAM evaluates the chained role's trust policy with
// the source role's session as the principal,
// arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION; a trust policy
// principal naming the role ARN covers its sessions, one naming the
// account (ID or :root) covers every principal of the account (IAM User
// Guide, "AWS JSON policy elements: Principal", "IAM role principals" and
// "Role sessions").

// ChainAsk is one chained AssumeRole: who calls it and what it passes.
type ChainAsk struct {
	// SourceRole is the ARN of the role whose session calls AssumeRole:
	// arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
	SourceRole string
	// Session is the session name of the source role's credentials,
	// "" when unknown (the principal is then written with a placeholder
	// session, which a role-ARN principal covers all the same).
	Session string
	// ExternalID is the sts:ExternalId the caller passes, "" for none.
	ExternalID string
	// Tags says the request carries session tags (passed or transitive),
	// so that the trust policy must allow sts:TagSession too.
	Tags bool
}

// ChainActions are the actions the chained role's trust policy must allow.
func (a ChainAsk) ChainActions() []string {
	if a.Tags {
		return []string{"sts:AssumeRole", "sts:TagSession"}
	}
	return []string{"sts:AssumeRole"}
}

// sessionPlaceholder names a session whose name the input does not tell.
const sessionPlaceholder = "irsa-doctor-session"

// SessionARN is the principal IAM sees: the source role's assumed-role
// session ARN ("" when SourceRole is no role ARN).
func (a ChainAsk) SessionARN() string {
	p := strings.SplitN(a.SourceRole, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[2] != "iam" || !strings.HasPrefix(p[5], "role/") {
		return ""
	}
	name := p[5][strings.LastIndexByte(p[5], '/')+1:]
	session := a.Session
	if session == "" {
		session = sessionPlaceholder
	}
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", p[1], p[4], name, session)
}

// Request is the request STS evaluates against the chained role's trust
// policy for action: the session principal, sts:ExternalId as passed
// (absent when none is), aws:PrincipalArn (the role's ARN for a role
// session, IAM User Guide "AWS global condition context keys") and
// aws:PrincipalAccount. Other aws:* keys and the sts: keys of the session
// name, source identity and transitive tags are unknown.
func (a ChainAsk) Request(action string) Request {
	ctx := map[string][]string{"aws:PrincipalArn": {a.SourceRole}}
	if p := strings.SplitN(a.SourceRole, ":", 6); len(p) == 6 {
		ctx["aws:PrincipalAccount"] = []string{p[4]}
	}
	if a.ExternalID != "" {
		ctx["sts:ExternalId"] = []string{a.ExternalID}
	}
	unknown := []string{"aws:*", "sts:SourceIdentity", "sts:TransitiveTagKeys"}
	if a.Session == "" {
		unknown = append(unknown, "sts:RoleSessionName")
	} else {
		ctx["sts:RoleSessionName"] = []string{a.Session}
	}
	return Request{
		Action:      action,
		Principal:   Principal{Type: PrincipalAWS, Value: a.SessionARN()},
		Context:     ctx,
		UnknownKeys: unknown,
	}
}

// chainStatement is the statement that trusts the source role for the
// ask's actions, with sts:ExternalId when the caller passes one (IAM User
// Guide, "Access to AWS accounts owned by third parties").
func chainStatement(a ChainAsk) *node {
	ms := []member{
		{"Sid", str("AllowAssumeFrom" + sidWord(roleName(a.SourceRole)))},
		{"Effect", str("Allow")},
		{"Principal", object(member{"AWS", str(a.SourceRole)})},
		{"Action", strOrList(a.ChainActions())},
	}
	if a.ExternalID != "" {
		ms = append(ms, member{"Condition", object(member{"StringEquals", object(member{"sts:ExternalId", str(a.ExternalID)})})})
	}
	return object(ms...)
}

// roleName is the last segment of a role ARN's resource.
func roleName(roleARN string) string {
	return roleARN[strings.LastIndexByte(roleARN, '/')+1:]
}

// CorrectChainTrust corrects a chained role's trust policy that refuses
// the ask, with the smallest change: a statement that already allows the
// actions to AWS principals and fails on its Principal alone gains the
// source role's ARN in its "AWS" list; a statement that trusts the source
// and fails on its Action alone gains the missing action; otherwise a
// statement trusting the source role for the ask's actions is appended.
// denied are the refused evaluations of doc, one per action. The result
// is evaluated again and must allow every action; an explicit Deny is not
// edited (an error, for the caller to name the statement).
func CorrectChainTrust(doc *Document, denied []Result, a ChainAsk) (TrustPolicyFix, error) {
	if a.SessionARN() == "" {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %q is no role ARN", a.SourceRole)
	}
	orig, err := editableTrust(doc, denied)
	if err != nil {
		return TrustPolicyFix{}, err
	}
	tree := orig.clone()
	var changes []string
	fixedActions := 0
	principalAdded := map[int]bool{}
	for _, res := range denied {
		for i := range res.Statements {
			st := &res.Statements[i]
			if st.Statement.Effect != Allow || len(st.Failures()) != 1 {
				continue
			}
			stn := tree.statement(i)
			if stn == nil {
				continue
			}
			switch {
			case st.Principal.Outcome == NoMatch && !st.Statement.NotPrincipal && st.Action.Outcome == Match:
				pr := stn.get("Principal")
				if pr == nil || pr.kind != kindObject {
					continue
				}
				aws := pr.get("AWS")
				if aws == nil {
					continue
				}
				if !principalAdded[i] {
					aws.appendString(a.SourceRole)
					principalAdded[i] = true
					changes = append(changes, fmt.Sprintf("%s also trusts %s", st.Statement.Name(), a.SourceRole))
				}
			case st.Principal.Outcome == Match && st.Action.Outcome == NoMatch && !st.Statement.NotAction:
				act := stn.get("Action")
				if act == nil {
					continue
				}
				act.appendString(res.Request.Action)
				changes = append(changes, fmt.Sprintf("%s also allows %s", st.Statement.Name(), res.Request.Action))
			default:
				continue
			}
			fixedActions++
			break
		}
	}
	fixed, err := tree.document()
	if err != nil || fixedActions < len(denied) || !allowsAll(fixed, a) {
		// Not every refusal was one element of one statement: start
		// again from the document and append a statement for the source.
		tree = orig
		i := tree.appendStatement(chainStatement(a))
		changes = []string{fmt.Sprintf("a new Statement[%d] trusts %s for %s", i, a.SourceRole, strings.Join(a.ChainActions(), " and "))}
		if fixed, err = tree.document(); err != nil {
			return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
		}
	}
	for _, action := range a.ChainActions() {
		if res := fixed.Evaluate(a.Request(action)); res.Decision != Allowed {
			return TrustPolicyFix{}, errors.New("correct trust policy: the change would not allow " + action + ": " + res.Explain())
		}
	}
	content, err := tree.render()
	if err != nil {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	return TrustPolicyFix{Content: content, Changes: changes}, nil
}

func allowsAll(doc *Document, a ChainAsk) bool {
	for _, action := range a.ChainActions() {
		if doc.Evaluate(a.Request(action)).Decision != Allowed {
			return false
		}
	}
	return true
}

// NamesPrincipal reports whether the statement that allowed res names the
// source role itself (its ARN, or one of its session ARNs) rather than
// admitting it through its account or "*". Within one account a trust
// policy that names the role is enough by itself; one that trusts the
// account delegates to the account's identity policies, which must then
// allow sts:AssumeRole (IAM User Guide, "Policy evaluation logic":
// "Identity-based policies and resource-based policies", and "How to use
// trust policies with IAM roles").
func NamesPrincipal(res Result, sourceRole string) bool {
	if res.Decision != Allowed || res.Deciding == nil || res.Deciding.Statement.Principal == nil {
		return false
	}
	session := ChainAsk{SourceRole: sourceRole}.SessionARN()
	for _, p := range res.Deciding.Statement.Principal.Entries {
		if p.Type != PrincipalAWS {
			continue
		}
		if p.Value == sourceRole || (strings.Contains(p.Value, ":sts::") && awsPrincipalMatches(p.Value, session)) {
			return true
		}
	}
	return false
}
