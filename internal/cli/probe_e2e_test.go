package cli

import (
	"bytes"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestE2EProbe: `scan --probe` against the real kube-apiserver (a real
// TokenRequest, a real dry-run create through the test webhook) and the
// STS fake, which answers AssumeRoleWithWebIdentity with STS's messages
// (docs/reference/sts-errors.md): success, and each mapped STS error, with the exact
// probe findings; the dry run catching a webhook outage; a caller without
// the probe's permissions; and `dump --probe` + `analyze` giving what
// `scan --probe` gave.
//
// Each case: ServiceAccount s3-reader names role NS-reader; bare pod api
// and Deployment worker run as it; the webhook was up when the pod was
// created. Other checks' failures are stated by ID and subject (their
// messages are their own tests' concern); the probe checks' in full.
func TestE2EProbe(t *testing.T) {
	c := sharedCluster(t)
	applyRBAC(t, c)
	// A user with the reader role only: no probe permissions.
	c.Apply(t, []byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-probe-reader-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: irsa-doctor-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: probe-reader-only}
`))
	provider := e2eProviderARN(c)
	const future = 1893456000 // 2030-01-01T00:00:00Z
	type outcome struct{ Check, Status, Subject, Message string }
	tests := []struct {
		name, ns string
		// aws changes the healthy AWS state.
		aws   func(ns string, st *awsfake.State)
		fault *awsfake.Fault
		// webhookDown closes the webhook after the setup, before the scan.
		webhookDown bool
		// user runs the scan ("" for the admin).
		user string
		// others are the failing findings of the other checks, as
		// "ID Subject".
		others []string
		// probe are the outcomes of IRSA311-313, by ID, with
		// ROLE standing for the role ARN, ISSUER for the issuer and VERDICTS
		// for the static verdicts of the same result.
		probe []outcome
		// gaps expected in the result, as "operation resource".
		gaps []string
		// dump also checks that dump --probe + analyze give the same.
		dump bool
		// link is the chain link of pod api that IRSA311's failure fails.
		link string
	}{
		{
			name: "accepted", ns: "e2e-probe-ok", user: "probe-alice",
			probe: []outcome{
				{"IRSA311", "pass", "ServiceAccount e2e-probe-ok/s3-reader", `STS accepted a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE`},
				{"IRSA312", "pass", "ServiceAccount e2e-probe-ok/s3-reader", "STS accepted the token, as the IAM-side checks predicted (static verdicts: VERDICTS)"},
				{"IRSA313", "pass", "Deployment e2e-probe-ok/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			name: "no provider", ns: "e2e-probe-noprovider", link: finding.LinkOIDCProvider,
			aws:    func(ns string, st *awsfake.State) { st.Providers = nil },
			others: []string{"IRSA302 OIDCProvider " + provider},
			probe: []outcome{
				{"IRSA311", "fail", "ServiceAccount e2e-probe-noprovider/s3-reader", `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE with ` +
					"InvalidIdentityToken: No OpenIDConnect provider found in your account for ISSUER: the role's account has no IAM OIDC provider for the token's issuer ISSUER (IRSA302)"},
				{"IRSA312", "pass", "ServiceAccount e2e-probe-noprovider/s3-reader", "STS refused the token with InvalidIdentityToken: No OpenIDConnect provider found in your account for ISSUER, as IRSA302 predicted"},
				{"IRSA313", "pass", "Deployment e2e-probe-noprovider/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			name: "audience", ns: "e2e-probe-audience", dump: true, link: finding.LinkOIDCProvider,
			aws:    func(ns string, st *awsfake.State) { st.Providers[0].ClientIDs = []string{"sts.amazon.com"} },
			others: []string{"IRSA303 OIDCProvider " + provider},
			probe: []outcome{
				{"IRSA311", "fail", "ServiceAccount e2e-probe-audience/s3-reader", `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE with ` +
					"InvalidIdentityToken: Incorrect token audience: the IAM OIDC provider's ClientIDList does not list the token's audience (IRSA303)"},
				{"IRSA312", "pass", "ServiceAccount e2e-probe-audience/s3-reader", "STS refused the token with InvalidIdentityToken: Incorrect token audience, as IRSA303 predicted"},
				{"IRSA313", "pass", "Deployment e2e-probe-audience/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			name: "trust policy", ns: "e2e-probe-trust", link: finding.LinkIAMRole,
			aws: func(ns string, st *awsfake.State) {
				st.Roles[0].TrustPolicy = e2eTrustPolicy(c, ns, "s3-writer", webhook.DefaultAudience)
			},
			others: []string{"IRSA205 IAMRole e2e-probe-trust-reader"},
			probe: []outcome{
				{"IRSA311", "fail", "ServiceAccount e2e-probe-trust/s3-reader", `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE with ` +
					"AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity: the role does not exist, or its trust policy does not admit this token " +
					"(Federated principal, Action, the :sub and :aud conditions); STS does not say which (IRSA201-IRSA210)"},
				{"IRSA312", "pass", "ServiceAccount e2e-probe-trust/s3-reader", "STS refused the token with AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity, as IRSA205 predicted"},
				{"IRSA313", "pass", "Deployment e2e-probe-trust/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			// STS fetches the issuer's documents over HTTPS and compares the
			// harness CA, which no public root signs, with the thumbprints.
			name: "thumbprint", ns: "e2e-probe-thumbprint", link: finding.LinkOIDCProvider,
			aws: func(ns string, st *awsfake.State) {
				st.Providers[0].Thumbprints = []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}
				st.Verify = &awsfake.Verification{Client: c.HTTPClient(), CheckThumbprint: true}
			},
			others: []string{"IRSA304 OIDCProvider " + provider},
			probe: []outcome{
				{"IRSA311", "fail", "ServiceAccount e2e-probe-thumbprint/s3-reader", `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE with ` +
					"InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint: the IAM OIDC provider's thumbprints do not match the certificate " +
					"of the issuer's JWKS host, which IAM checks when that certificate is not signed by a CA it trusts (IRSA304)"},
				{"IRSA312", "pass", "ServiceAccount e2e-probe-thumbprint/s3-reader", "STS refused the token with InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint, as IRSA304 predicted"},
				{"IRSA313", "pass", "Deployment e2e-probe-thumbprint/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			name: "verification key", ns: "e2e-probe-key", fault: &awsfake.FaultVerificationKey, link: finding.LinkIssuer,
			probe: []outcome{
				{"IRSA311", "fail", "ServiceAccount e2e-probe-key/s3-reader", `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE with ` +
					"InvalidIdentityToken: " + awsfake.MsgVerificationKey + ": STS could not fetch the issuer's discovery document or JWKS, or they lack the token's signing key: " +
					"the issuer must answer from the internet within 5 seconds; often transient (IRSA305)"},
				{"IRSA312", "skipped", "ServiceAccount e2e-probe-key/s3-reader", "STS refused the token with InvalidIdentityToken: " + awsfake.MsgVerificationKey +
					" although IRSA305 passed: the check fetched the issuer's documents from this machine, STS fetches them from the internet; nothing to compare"},
				{"IRSA313", "pass", "Deployment e2e-probe-key/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			// STS's clock is ahead of the API server's by years: the fresh
			// token arrives expired.
			name: "expired", ns: "e2e-probe-expired", link: finding.LinkIssuer,
			aws: func(ns string, st *awsfake.State) { st.Now = func() time.Time { return time.Unix(future, 0) } },
			probe: []outcome{
				{"IRSA311", "fail", "ServiceAccount e2e-probe-expired/s3-reader", `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE with ` +
					"ExpiredTokenException: Token expired: current date/time 1893456000 must be before the expiration date/time EXP: a token issued moments earlier for 600 seconds " +
					"arrived expired: the clock of the API server, which signs tokens, is behind STS's by more than that; no static check sees clocks"},
				{"IRSA312", "skipped", "ServiceAccount e2e-probe-expired/s3-reader", "no static check models STS's answer ExpiredTokenException: Token expired: current date/time 1893456000 " +
					"must be before the expiration date/time EXP (a token issued moments earlier for 600 seconds arrived expired: the clock of the API server, which signs tokens, " +
					"is behind STS's by more than that; no static check sees clocks): nothing to compare"},
				{"IRSA313", "pass", "Deployment e2e-probe-expired/worker", `a dry-run pod of the template came back mutated as predicted: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`},
			},
		},
		{
			// The webhook went down after the pod was created; its
			// failurePolicy Ignore admits pods unmutated. Only the dry run
			// sees it.
			name: "webhook outage", ns: "e2e-probe-outage", webhookDown: true,
			probe: []outcome{
				{"IRSA311", "pass", "ServiceAccount e2e-probe-outage/s3-reader", `STS accepted a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ROLE`},
				{"IRSA312", "pass", "ServiceAccount e2e-probe-outage/s3-reader", "STS accepted the token, as the IAM-side checks predicted (static verdicts: VERDICTS)"},
				{"IRSA313", "fail", "Deployment e2e-probe-outage/worker", `a dry-run pod of the template came back without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app", ` +
					`the aws-iam-token volume, although ServiceAccount "s3-reader" names role ROLE: the pod identity webhook is not mutating pods now (it is down or unreachable and its ` +
					"failurePolicy admits pods unmutated, or its configuration no longer matches them), so pods created from now on run without IRSA credentials"},
			},
		},
		{
			name: "probe not permitted", ns: "e2e-probe-denied", user: "probe-reader-only",
			probe: []outcome{
				{"IRSA311", "skipped", "ServiceAccount e2e-probe-denied/s3-reader", `the probe could not get an answer: create serviceaccounts/token serviceaccount e2e-probe-denied/s3-reader: ` +
					`Forbidden: serviceaccounts "s3-reader" is forbidden: User "probe-reader-only" cannot create resource "serviceaccounts/token" in API group "" in the namespace "e2e-probe-denied" ` +
					`(grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`},
				{"IRSA312", "skipped", "ServiceAccount e2e-probe-denied/s3-reader", `the probe could not get an answer: create serviceaccounts/token serviceaccount e2e-probe-denied/s3-reader: ` +
					`Forbidden: serviceaccounts "s3-reader" is forbidden: User "probe-reader-only" cannot create resource "serviceaccounts/token" in API group "" in the namespace "e2e-probe-denied" ` +
					`(grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`},
				{"IRSA313", "skipped", "Deployment e2e-probe-denied/worker", `the probe could not get an answer: create pods (dry run) namespace e2e-probe-denied: ` +
					`Forbidden: pods is forbidden: User "probe-reader-only" cannot create resource "pods" in API group "" in the namespace "e2e-probe-denied" ` +
					`(grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`},
			},
			gaps: []string{"create pods (dry run) namespace e2e-probe-denied", "create serviceaccounts/token serviceaccount e2e-probe-denied/s3-reader"},
		},
	}
	expRE := regexp.MustCompile(`expiration date/time \d+`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := e2eRoleARN(tt.ns + "-reader")
			st := awsfake.State{
				Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, tt.ns, "s3-reader", webhook.DefaultAudience)}},
				Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
			}
			if tt.aws != nil {
				tt.aws(tt.ns, &st)
			}
			e := newE2E(t, tt.ns, st)
			if tt.fault != nil {
				e.aws.Inject(*tt.fault)
			}
			wh := c.StartWebhook(t, testenv.WebhookOptions{})
			e.serviceAccount("s3-reader", role, nil)
			e.pod(e2ePod("api", "s3-reader"))
			e.deployment("worker", "s3-reader")
			if tt.webhookDown {
				wh.Close()
			}
			if tt.user != "" {
				groups := []string{"irsa-doctor"}
				if tt.user == "probe-reader-only" {
					groups = nil
				}
				e.kubeconfig = c.CreateUser(t, tt.user, groups...).KubeconfigIn(t, tt.ns)
			}

			r, res := e.scan("--probe", "--show-passed")
			var others, gaps []string
			var probe []outcome
			for _, f := range res.Findings {
				switch {
				case strings.HasPrefix(f.CheckID, "IRSA31"):
					msg := strings.ReplaceAll(strings.ReplaceAll(f.Message, role, "ROLE"), c.Issuer, "ISSUER")
					msg = expRE.ReplaceAllString(msg, "expiration date/time EXP")
					probe = append(probe, outcome{f.CheckID, string(f.Status), f.Subject.String(), msg})
				case f.Status == finding.StatusFail:
					others = append(others, f.CheckID+" "+f.Subject.String())
				}
			}
			for _, g := range res.Gaps {
				gaps = append(gaps, g.Operation+" "+g.Resource)
			}
			// The document orders by severity first (IRSA312 is a warning).
			sort.SliceStable(probe, func(i, j int) bool { return probe[i].Check < probe[j].Check })
			want := append([]outcome(nil), tt.probe...)
			for i := range want {
				want[i].Message = strings.ReplaceAll(want[i].Message, "VERDICTS", staticVerdicts(res))
			}
			if diff := cmp.Diff(want, probe); diff != "" {
				t.Errorf("probe findings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.others, others); diff != "" {
				t.Errorf("other failing findings (-want +got):\n%s", diff)
			}
			sort.Strings(gaps)
			if diff := cmp.Diff(tt.gaps, gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			wantCode := ExitOK
			for _, o := range tt.probe {
				if o.Status == "fail" {
					wantCode = ExitFindings
				}
			}
			if len(tt.others) > 0 {
				wantCode = ExitFindings
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, wantCode, r.stderr)
			}
			// The chain: STS's refusal counts for the link its answer names.
			var links []string
			for _, tg := range res.Targets {
				if tg.Kind != "Pod" {
					continue
				}
				for _, l := range tg.Links {
					if l.Status == finding.LinkFail && slices.Contains(strings.Split(l.Detail, ", "), "IRSA311") {
						links = append(links, l.Link)
					}
				}
			}
			var wantLinks []string
			if tt.link != "" {
				wantLinks = []string{tt.link}
			}
			if diff := cmp.Diff(wantLinks, links); diff != "" {
				t.Errorf("links IRSA311 fails (-want +got):\n%s", diff)
			}
			if tt.user == "probe-reader-only" {
				// A probe that could not run leaves the links the static
				// checks passed as pass (the probe checks are Secondary).
				for _, tg := range res.Targets {
					for _, l := range tg.Links {
						if l.Status != finding.LinkPass {
							t.Errorf("%s %s link %s is %s (%s), want pass", tg.Kind, tg.Name, l.Link, l.Status, l.Detail)
						}
					}
				}
			}
			// Nothing secret leaves the probe: no token, no credentials.
			for _, s := range []string{r.stdout, r.stderr} {
				if strings.Contains(s, "eyJhbGci") || strings.Contains(s, "fake-temporary-secret") || strings.Contains(s, "fake-session-token") {
					t.Errorf("output holds a token or credentials")
				}
			}
			if !tt.dump {
				return
			}
			dir := t.TempDir() + "/bundle"
			d := e.main("dump", dir, "--cluster", e2eCluster, "--probe")
			if d.code != ExitOK {
				t.Fatalf("dump --probe: exit %d, stderr %q", d.code, d.stderr)
			}
			var out, errOut bytes.Buffer
			deps := e.deps(&out, &errOut)
			deps.Live = LiveDeps{}
			code := Main([]string{"analyze", dir, "-o", "json", "--show-passed"}, deps)
			if code != r.code {
				t.Errorf("analyze: exit %d, want %d like scan (stderr %q)", code, r.code, errOut.String())
			}
			analyzed := decode(t, out.String())
			key := func(res finding.Result) []string {
				var out []string
				for _, f := range res.Findings {
					if strings.HasPrefix(f.CheckID, "IRSA31") || f.Status == finding.StatusFail {
						out = append(out, f.CheckID+" "+string(f.Status)+" "+f.Subject.String()+": "+f.Message)
					}
				}
				return out
			}
			if diff := cmp.Diff(key(res), key(analyzed)); diff != "" {
				t.Errorf("analyze of the dump differs from scan (-scan +analyze):\n%s", diff)
			}
			for _, f := range analyzed.Input.Files {
				if strings.HasPrefix(f.Path, dir+"/probe/") && (f.Error != "" || f.RecognisedAs == "") {
					t.Errorf("dumped probe file %s: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
				}
			}
		})
	}
}

// staticVerdicts renders the IAM-side verdicts of a result as IRSA312
// lists them: each check once, by ID, its worst outcome.
func staticVerdicts(res finding.Result) string {
	rank := map[finding.Status]int{finding.StatusPass: 0, finding.StatusSkipped: 1, finding.StatusFail: 2}
	worst := map[string]finding.Status{}
	for _, f := range res.Findings {
		id := f.CheckID
		if !(id >= "IRSA201" && id <= "IRSA210" || id >= "IRSA301" && id <= "IRSA306") {
			continue
		}
		if have, ok := worst[id]; !ok || rank[f.Status] > rank[have] {
			worst[id] = f.Status
		}
	}
	var ids []string
	for id := range worst {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + " " + string(worst[id])
	}
	return strings.Join(parts, ", ")
}
