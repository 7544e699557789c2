package policy

import (
	"errors"
	"fmt"
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
	orig, err := editableTrust(doc, denied)
	if err != nil {
		return TrustPolicyFix{}, err
	}
	tree := orig.clone()
	var changes []string
	// A statement that allows one action to the principal and fails the
	// other only on its Action element gains the missing action.
	for _, res := range denied {
		for i := range res.Statements {
			st := &res.Statements[i]
			if st.Statement.Effect != Allow || st.Principal.Outcome != Match || st.Action.Outcome != NoMatch || len(st.Failures()) != 1 {
				continue
			}
			act := tree.statement(i).get("Action")
			if act == nil {
				continue
			}
			act.appendString(res.Request.Action)
			changes = append(changes, fmt.Sprintf("%s also allows %s", st.Statement.Name(), res.Request.Action))
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
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	for _, action := range PodIdentityActions() {
		req := PodIdentityRequest(action)
		req.Context = ctx
		if res := fixed.Evaluate(req); res.Decision != Allowed {
			return TrustPolicyFix{}, errors.New("correct trust policy: the change would not allow " + action + ": " + res.Explain())
		}
	}
	content, err := tree.render()
	if err != nil {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	return TrustPolicyFix{Content: content, Changes: changes}, nil
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
