package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa304 = &Check{
	ID:        "IRSA304",
	Slug:      "thumbprint-mismatch",
	Title:     "The IAM OIDC provider's ThumbprintList lacks the issuer host's certificate",
	Severity:  finding.SeverityError,
	Secondary: true,
	Link:      finding.LinkOIDCProvider,
	Scope:     ScopeWorkloads | ScopeServiceAccount,
	Requires:  []*Check{irsa101, irsa102, irsa103, irsa301, irsa302},
	IRSA:      true,
	Subject:   model.ProviderSubjectOf,
	Run:       runIRSA304,
}

func runIRSA304(c *model.Context, t *model.Target, r *Recorder) {
	var v model.Verdicts
	w, ok := model.ProviderFacts(c, t, &v)
	r.Record(v)
	if !ok {
		return
	}
	// Past the target's own facts, what is judged is the provider (its
	// ARN names the role's partition and the issuer) in the role's account,
	// and the chain its host serves: once per provider and account.
	r.RecordShared(model.Once(c, irsa304Key{w.ProviderARN, w.Role.ARN.Account}, func() (v model.Verdicts) {
		judgeIRSA304(c, w, &v)
		return v
	}))
}

type irsa304Key struct{ provider, account string }

func judgeIRSA304(c *model.Context, w model.WebIdentity, r *model.Verdicts) {
	subj := model.ProviderSubject(w)
	p := model.DetailedProvider(c, w, r, "ThumbprintList")
	if p == nil {
		return
	}
	host, where, hostSrc := model.KeysHost(c.Snap, w.Issuer)
	chains := model.ChainsFor(c.Snap, host)
	if len(chains) == 0 {
		why := fmt.Sprintf("the input has no TLS certificate chain served by %s (capture: %s)", host, model.CaptureChainCmd(host))
		if others := model.ChainHosts(c.Snap); len(others) > 0 {
			why += fmt.Sprintf("; its chains are for %s", strings.Join(others, ", "))
		}
		r.Skip(subj, why)
		return
	}
	list := fmt.Sprintf("[%s]", strings.Join(p.Thumbprints, ", "))
	listEv := model.Ev(p.Source, "provider "+p.ARN+" ThumbprintList: "+list)
	hostEv := model.Ev(hostSrc, "host checked: "+host+", "+where)
	var bad *snapshot.TLSChain
	for _, ch := range chains {
		if !hasThumbprint(p.Thumbprints, lastCert(ch).SHA1) {
			bad = ch
			break
		}
	}
	if bad == nil {
		last := lastCert(chains[0])
		r.Pass(subj, fmt.Sprintf("the provider's ThumbprintList includes %s, the SHA-1 of the last certificate %s serves (%s)", last.SHA1, host, last.Subject), listEv, chainEvidence(chains[0]), hostEv)
		return
	}

	last := lastCert(bad)
	msg := fmt.Sprintf("the provider's ThumbprintList %s lacks %s, the SHA-1 of the last certificate %s serves (%s)", list, last.SHA1, host, last.Subject)
	if i := otherMatch(bad, p.Thumbprints); i >= 0 {
		msg += fmt.Sprintf("; it holds the SHA-1 of certificate %d of the chain (%s) instead", i, bad.Certs[i].Subject)
	}
	details := []model.Detail{listEv, chainEvidence(bad), hostEv}
	words := []model.Word{model.Lit("aws"), model.Lit("iam"), model.Lit("update-open-id-connect-provider-thumbprint"), model.Lit("--open-id-connect-provider-arn"), model.ARN(w.ProviderARN),
		model.Lit("--thumbprint-list")}
	for _, tp := range newThumbprints(last.SHA1, p.Thumbprints) {
		words = append(words, model.Value("thumbprint", tp))
	}
	update := w.IAM(words...)
	public, why := model.VerifyPublic(c, bad, host)
	switch {
	case public:
		msg += ": the chain verifies to a public root CA, so IAM trusts the host through its library of trusted CAs and does not use the thumbprint (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html); STS is not affected"
		details = append(details, model.WithSeverity(finding.SeverityWarning), update,
			model.Remedy("Nothing fails today. Update the list so that it stays true, in case the host ever moves to a private CA (the command keeps the current values after the new one)."))
	case model.IsEKSIssuerHost(host):
		msg += fmt.Sprintf(": the chain does not verify to a public root CA (%s), so IAM would compare thumbprints; but EKS serves its issuer with a certificate from a public CA, so this chain was probably rewritten by a TLS-intercepting proxy on the machine that captured it", why)
		details = append(details,
			model.Remedy("Capture the chain again from a network without TLS interception (or compare with a capture from inside the VPC) before changing anything: do not put the proxy's thumbprint into IAM. If the capture without interception verifies to a public root, IAM does not use the thumbprint at all:\n\n    "+model.CaptureChainCmd(host)))
	default:
		msg += fmt.Sprintf(": the chain does not verify to a public root CA (%s), so IAM checks the thumbprint and STS answers \"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint\"", why)
		details = append(details, update,
			model.Remedy(fmt.Sprintf("Add %s, the SHA-1 of the last certificate %s serves, to the provider's ThumbprintList (the command keeps the current values after it; IAM holds at most five). Capture the chain from the network STS reaches the host through, without TLS interception.", last.SHA1, host)))
	}
	r.Fail(subj, msg, details...)
}

func lastCert(ch *snapshot.TLSChain) snapshot.Certificate { return ch.Certs[len(ch.Certs)-1] }

// hasThumbprint compares case-insensitively: IAM returns thumbprints as
// they were given, and openssl prints upper-case hex (docs/reference/thumbprint.md).
func hasThumbprint(list []string, sha1 string) bool {
	for _, tp := range list {
		if strings.EqualFold(strings.TrimSpace(tp), sha1) {
			return true
		}
	}
	return false
}

// otherMatch is the index of another certificate of the chain whose SHA-1
// is in the list, or -1.
func otherMatch(ch *snapshot.TLSChain, list []string) int {
	for i, c := range ch.Certs[:len(ch.Certs)-1] {
		if hasThumbprint(list, c.SHA1) {
			return i
		}
	}
	return -1
}

// newThumbprints puts sha1 first and keeps the current values, up to the
// five IAM allows (docs/reference/trust-policy.md#thumbprint-no-longer-used).
func newThumbprints(sha1 string, current []string) []string {
	out := []string{sha1}
	for _, tp := range current {
		if len(out) == 5 {
			break
		}
		if !strings.EqualFold(tp, sha1) {
			out = append(out, strings.ToLower(strings.TrimSpace(tp)))
		}
	}
	return out
}

// chainEvidence lists a captured chain, leaf first.
func chainEvidence(ch *snapshot.TLSChain) model.Detail {
	parts := make([]string, len(ch.Certs))
	for i, c := range ch.Certs {
		parts[i] = fmt.Sprintf("%d %s (issuer %s, SHA-1 %s)", i, c.Subject, c.Issuer, c.SHA1)
	}
	return model.Ev(ch.Source, "chain served: "+strings.Join(parts, "; "))
}
