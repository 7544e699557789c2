package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PodIdentityActions are the two actions EKS Pod Identity needs a trust
// policy to allow to PodIdentityService: it assumes the role and tags the
// session (docs/reference/pod-identity.md). A new slice each call.
func PodIdentityActions() []string { return []string{"sts:AssumeRole", "sts:TagSession"} }

// podIdentityStatement is the trust policy statement EKS documents for a
// Pod Identity role (docs/reference/pod-identity.md).
func podIdentityStatement() *node {
	return object(
		member{"Sid", str("AllowEksAuthToAssumeRoleForPodIdentity")},
		member{"Effect", str("Allow")},
		member{"Principal", object(member{"Service", str(PodIdentityService)})},
		member{"Action", strOrList(PodIdentityActions())},
	)
}

// PodIdentityTrustPolicy is the trust policy EKS documents for a new Pod
// Identity role: that one statement, rendered as the fixes render policies.
func PodIdentityTrustPolicy() string {
	text, err := object(member{"Version", str("2012-10-17")}, member{"Statement", array(podIdentityStatement())}).render()
	if err != nil {
		panic("policy: the documented Pod Identity trust policy does not render: " + err.Error())
	}
	return text
}

// CorrectPodIdentityTrust corrects a trust policy that refuses EKS Pod
// Identity, with the smallest change (docs/contract.md#fixes): a statement
// that already trusts the Pod Identity principal and was refused only for
// its Action gains the missing action; otherwise the statement EKS
// documents is appended. denied are the refused evaluations of doc, one
// per action; ctx is the request context they were evaluated with (the
// session tags), with which the corrected policy must allow both actions.
// An explicit Deny is not edited: it fails, for the caller to name the
// statement in its remediation.
func CorrectPodIdentityTrust(doc *Document, denied []Result, ctx map[string][]string) (TrustPolicyFix, error) {
	return PlanPodIdentityTrust(doc, denied).For(ctx)
}

// PodIdentityTrustPlan is the corrected policy CorrectPodIdentityTrust
// proposes, before it is checked against a request context. It depends on
// the document and on what PodIdentityPlanKey keeps of the refusals, not
// on the context: a cluster's associations that share a role share one
// plan (made once: parsing, editing, parsing the edit and rendering it
// were two thirds of the check's time for 10,000 associations), and For
// checks it against each association's session tags.
type PodIdentityTrustPlan struct {
	fixed     *Document
	content   string
	changes   []string
	err       error // before the check against a context
	renderErr error // after it
}

// PlanPodIdentityTrust makes the plan of CorrectPodIdentityTrust.
func PlanPodIdentityTrust(doc *Document, denied []Result) PodIdentityTrustPlan {
	orig, err := editableTrust(doc, denied)
	if err != nil {
		return PodIdentityTrustPlan{err: err}
	}
	tree := orig.clone()
	var changes []string
	// A statement that allows one action to the principal and fails the
	// other only on its Action element gains the missing action.
	for _, res := range denied {
		for _, i := range actionOnlyRefusals(res) {
			act := tree.statement(i).get("Action")
			if act == nil {
				continue
			}
			act.appendString(res.Request.Action)
			changes = append(changes, fmt.Sprintf("%s also allows %s", res.Statements[i].Statement.Name(), res.Request.Action))
			break
		}
	}
	if len(changes) == 0 || len(changes) < len(denied) {
		// Not every refusal was an Action alone: start again from the
		// document and append the statement EKS documents.
		tree = orig
		i := tree.appendStatement(podIdentityStatement())
		changes = []string{fmt.Sprintf("a new Statement[%d] allows %s sts:AssumeRole and sts:TagSession", i, PodIdentityService)}
	}
	fixed, err := tree.document()
	if err != nil {
		return PodIdentityTrustPlan{err: fmt.Errorf("correct trust policy: %w", err)}
	}
	content, err := tree.render()
	if err != nil {
		err = fmt.Errorf("correct trust policy: %w", err)
	}
	return PodIdentityTrustPlan{fixed: fixed, content: content, changes: changes, renderErr: err}
}

// For checks the plan against the request context the refusals were
// evaluated with: the corrected policy must allow both actions with it.
// The fix's Changes are the plan's: not to be modified.
func (p PodIdentityTrustPlan) For(ctx map[string][]string) (TrustPolicyFix, error) {
	if p.err != nil {
		return TrustPolicyFix{}, p.err
	}
	for _, action := range PodIdentityActions() {
		req := PodIdentityRequest(action)
		req.Context = ctx
		if res := p.fixed.Evaluate(req); res.Decision != Allowed {
			return TrustPolicyFix{}, errors.New("correct trust policy: the change would not allow " + action + ": " + res.Explain())
		}
	}
	if p.renderErr != nil {
		return TrustPolicyFix{}, p.renderErr
	}
	return TrustPolicyFix{Content: p.content, Changes: p.changes}, nil
}

// actionOnlyRefusals are the statements of res that allow the action's
// principal and refused it only for their Action element, in order.
func actionOnlyRefusals(res Result) []int {
	var is []int
	for i := range res.Statements {
		st := &res.Statements[i]
		if st.Statement.Effect == Allow && st.Principal.Outcome == Match && st.Action.Outcome == NoMatch && len(st.Failures()) == 1 {
			is = append(is, i)
		}
	}
	return is
}

// PodIdentityPlanKey is what PlanPodIdentityTrust reads of denied, besides
// the document they evaluated: each refused action, whether it was an
// explicit Deny, and which statements refused it for their Action alone.
// Two lists of refusals of one document with the same key have the same
// plan.
func PodIdentityPlanKey(denied []Result) string {
	var b strings.Builder
	for _, res := range denied {
		b.WriteString(res.Request.Action)
		if res.Decision == ExplicitDeny {
			b.WriteString(" deny ")
			b.WriteString(res.Deciding.Statement.Name())
		}
		for _, i := range actionOnlyRefusals(res) {
			b.WriteByte(' ')
			b.WriteString(strconv.Itoa(i))
		}
		b.WriteByte(';')
	}
	return b.String()
}

// editableTrust is the JSON tree of a trust policy to correct for the
// denied evaluations: an explicit Deny among them is not edited (an error
// naming the statement, for the caller's remediation).
func editableTrust(doc *Document, denied []Result) (*node, error) {
	for _, res := range denied {
		if res.Decision == ExplicitDeny {
			return nil, fmt.Errorf("correct trust policy: %s denies %s, and a Deny is not edited", res.Deciding.Statement.Name(), res.Request.Action)
		}
	}
	tree, err := parseJSON(doc.JSON)
	if err != nil {
		return nil, fmt.Errorf("correct trust policy: %w", err)
	}
	return tree, nil
}
