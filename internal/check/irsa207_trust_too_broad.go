package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa207 = &Check{
	ID:       "IRSA207",
	Slug:     "trust-too-broad",
	Title:    "The trust policy lets service accounts of other namespaces or clusters assume the role",
	Severity: finding.SeverityWarning,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA207,
}

// probeSubject is a service account of a namespace no cluster is expected
// to have: a statement that admits it admits other namespaces.
const probeSubject = "system:serviceaccount:irsa-doctor-probe-namespace:irsa-doctor-probe"

// probeProvider is an issuer no statement should trust: a statement that
// admits it trusts any cluster.
const probeProviderPath = "oidc.eks.us-east-1.amazonaws.com/id/IRSADOCTORPROBE00000000000000000"

func runIRSA207(c *model.Context, t *model.Target, r *Recorder) {
	var v model.Verdicts
	in, ok := model.PrepareTrust(c, t, &v)
	r.Record(v)
	if !ok {
		return
	}
	subj := in.WebIdentity.Role.Subject()
	broad, unsure, pins, considered := trustBreadth(c, in)
	if len(broad) > 0 {
		r.Fail(subj, strings.Join(broad, "; "), model.TrustPolicyEvidence(in), model.Remedy(narrowRemedy(c, in)))
		return
	}
	if unsure != "" {
		r.Skip(subj, unsure)
		return
	}
	switch {
	case considered == 0:
		r.Pass(subj, "no Allow statement of the trust policy allows sts:AssumeRoleWithWebIdentity from an OIDC provider")
	case len(pins) == 0:
		r.Pass(subj, "no statement of the trust policy admits a service account of another namespace")
	default:
		r.PassFunc(subj, func() (string, []model.Detail) {
			return "every statement that trusts an OIDC provider pins :sub to one namespace: " + strings.Join(pins, ", "), nil
		})
	}
}

// trustBreadth is judged once per document, issuer and role account, not
// per request: many service accounts share a role (a role may trust
// hundreds), and neither the probes nor the statements it considers (those
// whose Action allows the web identity action) depend on which one asks.
func trustBreadth(c *model.Context, in *model.TrustInput) (broad []string, unsure string, pins []string, considered int) {
	k := model.BreadthKey{DiagKey: model.DiagKey{Doc: in.Doc, HostPath: in.Issuer.HostPath},
		Partition: in.WebIdentity.Role.ARN.Partition, Account: in.WebIdentity.Role.ARN.Account}
	b := model.Once(c, k, func() (b model.Breadth) {
		b.Broad, b.Unsure, b.Pins, b.Considered = judgeBreadth(c, in)
		return b
	})
	return b.Broad, b.Unsure, b.Pins, b.Considered
}

func judgeBreadth(c *model.Context, in *model.TrustInput) (broad []string, unsure string, pins []string, considered int) {
	doc := in.Doc
	ownRes := c.EvaluateInput(in)
	pinned := map[string]bool{}
	for i := range doc.Statements {
		st := &doc.Statements[i]
		if st.Effect != policy.Allow || st.Principal == nil || st.NotPrincipal || ownRes.Statements[i].Action.Outcome != policy.Match {
			continue
		}
		// The providers the statement trusts, each probed with its own keys;
		// "*" is probed with an issuer nobody trusts on purpose.
		var providers []string
		if st.Principal.Any {
			providers = append(providers, "")
		}
		for _, p := range st.Principal.Entries {
			if p.Type == policy.PrincipalFederated {
				if p.Value == "*" {
					providers = append(providers, "")
				} else {
					providers = append(providers, p.Value)
				}
			}
		}
		for _, p := range providers {
			hp := ""
			if _, after, ok := strings.Cut(p, ":oidc-provider/"); ok {
				hp = after
			}
			anyIssuer := p == ""
			if anyIssuer {
				hp = probeProviderPath
				p = model.ProviderARN(in.WebIdentity.Role.ARN.Partition, in.WebIdentity.Role.ARN.Account, hp)
			}
			if hp == "" {
				continue // not an OIDC provider (SAML, Cognito): not this check's concern
			}
			considered++
			aud := statementAudience(st, hp)
			probe := policy.WebIdentityRequest(p, hp, aud, probeSubject)
			sr := c.Evaluate(doc, probe).Statements[i]
			whose := "the cluster"
			if !strings.EqualFold(hp, in.Issuer.HostPath) {
				whose = "the cluster of issuer " + hp
			}
			switch {
			case sr.Outcome == policy.Match && anyIssuer:
				broad = append(broad, fmt.Sprintf("%s trusts any principal (%q) and no condition pins the issuer: service accounts of any cluster can assume the role", st.Name(), "*"))
			case sr.Outcome == policy.Match && !hasKey(st, hp+":sub"):
				broad = append(broad, fmt.Sprintf("%s has no :sub condition: every service account of %s can assume the role", st.Name(), whose))
			case sr.Outcome == policy.Match:
				broad = append(broad, fmt.Sprintf("%s admits service accounts of other namespaces of %s: %s", st.Name(), whose, subConditions(st, hp)))
			case sr.Outcome == policy.Uncertain && unsure == "":
				unsure = fmt.Sprintf("whether %s admits service accounts of other namespaces is not known: it %s", st.Name(), strings.Join(sr.Failures(), "; and "))
			default:
				if v := crossNamespacePattern(st, hp); v != "" {
					broad = append(broad, fmt.Sprintf("%s admits service accounts of several namespaces of %s: its :sub pattern %q has a wildcard in the namespace part", st.Name(), whose, v))
					continue
				}
				if !anyIssuer {
					for _, v := range subValues(st, hp) {
						if q := fmt.Sprintf("%q", v); !pinned[q] {
							pinned[q] = true
							pins = append(pins, q)
						}
					}
				}
			}
		}
	}
	return broad, unsure, pins, considered
}

// statementAudience is the audience a statement requires for an issuer
// (its first literal :aud value), else the webhook's default: the probe
// must fail on :sub or nothing, not on its audience.
func statementAudience(st *policy.Statement, hp string) string {
	for _, c := range st.Conditions {
		if strings.EqualFold(c.Key, hp+":aud") && !strings.Contains(c.Base, "Not") && len(c.Values) > 0 && !strings.ContainsAny(c.Values[0], "*?") {
			return c.Values[0]
		}
	}
	return webhook.DefaultAudience
}

func hasKey(st *policy.Statement, key string) bool {
	for _, c := range st.Conditions {
		if strings.EqualFold(c.Key, key) {
			return true
		}
	}
	return false
}

// subConditions renders a statement's conditions on an issuer's :sub.
func subConditions(st *policy.Statement, hp string) string {
	var out []string
	for _, c := range st.Conditions {
		if strings.EqualFold(c.Key, hp+":sub") {
			out = append(out, fmt.Sprintf(":sub %s %s", c.Operator, strings.Join(model.QuoteAll(c.Values), " or ")))
		}
	}
	return strings.Join(out, ", ")
}

func subValues(st *policy.Statement, hp string) []string {
	var out []string
	for _, c := range st.Conditions {
		if strings.EqualFold(c.Key, hp+":sub") && !strings.Contains(c.Base, "Not") {
			out = append(out, c.Values...)
		}
	}
	return out
}

// crossNamespacePattern returns a StringLike :sub value whose wildcard
// reaches into the namespace (anything before the name's colon), or "".
func crossNamespacePattern(st *policy.Statement, hp string) string {
	for _, c := range st.Conditions {
		if !strings.EqualFold(c.Key, hp+":sub") || c.Base != "StringLike" {
			continue
		}
		for _, v := range c.Values {
			head := v
			if i := nthIndex(v, ':', 3); i >= 0 {
				head = v[:i]
			}
			if strings.ContainsAny(head, "*?") {
				return v
			}
		}
	}
	return ""
}

// nthIndex returns the index of the n-th (1-based) occurrence of b, or -1.
func nthIndex(s string, b byte, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			if n--; n == 0 {
				return i
			}
		}
	}
	return -1
}

// narrowRemedy shows the condition that pins :sub to the service accounts
// of the input that use the role.
func narrowRemedy(c *model.Context, in *model.TrustInput) string {
	asks, keep := model.RoleAsks(c, in)
	var subs []string
	for _, a := range asks {
		subs = model.AppendUnique(subs, a.Sub)
	}
	for _, k := range keep {
		for key, v := range k.Context {
			if strings.HasSuffix(key, ":sub") && len(v) > 0 {
				subs = model.AppendUnique(subs, v[0])
			}
		}
	}
	val := `"` + strings.Join(subs, `", "`) + `"`
	if len(subs) > 1 {
		val = "[" + val + "]"
	}
	return fmt.Sprintf("Pin `:sub` to the service accounts that use the role. In every statement that trusts the provider, add to `Condition`:\n\n"+
		"    \"StringEquals\": {\"%s:sub\": %s}\n\n"+
		"(or use `StringLike` with `system:serviceaccount:NAMESPACE:*` for one namespace), save the edited document as "+
		"%[4]s.trust-policy.json and apply it with "+
		"`aws iam update-assume-role-policy --role-name %[3]s --policy-document file://%[4]s.trust-policy.json%[5]s`.",
		in.Issuer.HostPath, val, in.RoleFact.Name, in.RoleFact.Name, in.ProfileFlag())
}
