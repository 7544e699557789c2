package check

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Fixtures of the probe checks (IRSA311-313): cluster prod; ServiceAccount
// payments/s3-reader names role payments-s3-reader; Deployment
// payments/api runs as it, with one mutated pod.
const (
	prRole   = "arn:aws:iam::111122223333:role/payments-s3-reader"
	prIssuer = "https://oidc.eks.us-west-2.amazonaws.com/id/5B3F9E2A8C1D4E6F7A9B0C2D3E4F5A6B"
	prSub    = "system:serviceaccount:payments:s3-reader"
	prPod    = "api-7d9f8b6c5-x2k4p"
)

var (
	prNow      = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	prSASrc    = snapshot.Source{Kind: "kube", Ref: "list serviceaccounts -n payments"}
	prPodSrc   = snapshot.Source{Kind: "kube", Ref: "list pods -n payments"}
	prDepSrc   = snapshot.Source{Kind: "kube", Ref: "list deployments -n payments"}
	prHookSrc  = snapshot.Source{Kind: "kube", Ref: "list mutatingwebhookconfigurations"}
	prProbeSrc = snapshot.Source{Kind: "aws", Ref: "sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader"}
	prDrySrc   = snapshot.Source{Kind: "kube", Ref: "create pod --dry-run=server -n payments (template of Deployment api)"}
)

// prSnapshot is a healthy live snapshot; mods add probe facts or break it.
func prSnapshot(mods ...func(*snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("live")
	s.ServiceAccounts["payments/s3-reader"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "s3-reader",
		Annotations: map[string]string{webhook.AnnotationRoleARN: prRole}}, Source: prSASrc}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: prSASrc})
	ctrl := true
	exp := int64(86400)
	mode := int32(420)
	s.Workloads = []*snapshot.Workload{{Kind: "Deployment", APIVersion: "apps/v1", ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "api"},
		Template: snapshot.PodTemplate{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"app": "api"}},
			Spec: snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: []snapshot.Container{{Name: "app", Image: "registry.example/api:1.4.2"}}}},
		Source: prDepSrc}}
	s.Pods = []*snapshot.Pod{{ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: prPod,
		Labels:          map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"},
		OwnerReferences: []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", Controller: &ctrl}}},
		Source: prPodSrc, Status: snapshot.PodStatus{Phase: "Running"},
		Spec: snapshot.PodSpec{ServiceAccountName: "s3-reader",
			Volumes: []snapshot.Volume{{Name: webhook.VolumeName, Projected: &snapshot.ProjectedVolume{DefaultMode: &mode,
				Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: "sts.amazonaws.com", ExpirationSeconds: &exp, Path: "token"}}}}}},
			Containers: []snapshot.Container{{Name: "app", Image: "registry.example/api:1.4.2",
				Env:          []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: prRole}, {Name: webhook.EnvTokenFile, Value: webhook.TokenPath}},
				VolumeMounts: []snapshot.VolumeMount{{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true}}}}}}}
	ignore := "Ignore"
	s.Webhooks = []*snapshot.WebhookConfiguration{{ObjectMeta: snapshot.ObjectMeta{Name: webhook.ConfigurationName}, Source: prHookSrc,
		Webhooks: []snapshot.MutatingWebhook{{Name: webhook.EKSWebhookName, FailurePolicy: ignore}}}}
	for _, m := range mods {
		m(s)
	}
	s.Sort()
	return s
}

// prProbe adds a probe result for payments/s3-reader: ok, or STS's error.
func prProbe(code, msg string, status int) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		p := &snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: prRole, Audience: "sts.amazonaws.com",
			Issuer: prIssuer, Subject: prSub, OK: code == "", ErrorCode: code, ErrorMessage: msg, HTTPStatus: status, Source: prProbeSrc}
		if p.OK {
			p.AssumedRoleARN = "arn:aws:sts::111122223333:assumed-role/payments-s3-reader/irsa-doctor-probe"
		}
		s.Probes = append(s.Probes, p)
	}
}

// prFake is a stand-in for another check: it records status on the
// target's ServiceAccount (a warning when sev says so).
func prFake(id string, status finding.Status, sev finding.Severity, msg string) *Check {
	return &Check{ID: id, Slug: "fake-" + strings.ToLower(id), Title: id, Severity: finding.SeverityError, Link: finding.LinkIAMRole,
		Scope: ScopeWorkloads | ScopeServiceAccount, IRSA: true, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			switch status {
			case finding.StatusFail:
				r.Fail(t.SASubject(), msg, model.WithSeverity(sev))
			case finding.StatusSkipped:
				r.Skip(t.SASubject(), msg)
			default:
				r.Pass(t.SASubject(), msg)
			}
		}}
}

// standIn lets a fake check (prFake) stand in for the real check of the
// same ID: every check of the list that Requires or Sees that ID gets a
// copy that points at the fake instead.
func standIn(checks []*Check) []*Check {
	out := make([]*Check, len(checks))
	byID := map[string]*Check{}
	for i, c := range checks {
		cp := *c
		out[i] = &cp
		byID[c.ID] = &cp
	}
	swap := func(list []*Check) []*Check {
		swapped := make([]*Check, len(list))
		for i, p := range list {
			swapped[i] = p
			if f := byID[p.ID]; f != nil {
				swapped[i] = f
			}
		}
		return swapped
	}
	for _, c := range out {
		c.Requires, c.Sees = swap(c.Requires), swap(c.Sees)
	}
	return out
}

// prRun runs the checks (sorted by ID) and renders every finding as
// want.txt does: a head line, then evidence, fixes; sorted.
func prRun(t *testing.T, s *snapshot.Snapshot, checks ...*Check) []string {
	t.Helper()
	checks = standIn(checks)
	sort.Slice(checks, func(i, j int) bool { return checks[i].ID < checks[j].ID })
	out := Run(s, Options{Checks: checks, Now: prNow})
	var blocks []string
	for _, f := range out.Findings {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "\n  evidence: %s %s: %s", e.Source, e.Ref, e.Value)
		}
		blocks = append(blocks, b.String())
	}
	sort.Strings(blocks)
	return blocks
}

// prHeads keeps the first line of each block of the given checks.
func prHeads(blocks []string, ids ...string) []string {
	var out []string
	for _, b := range blocks {
		head, _, _ := strings.Cut(b, "\n")
		for _, id := range ids {
			if strings.HasPrefix(head, id+" ") {
				out = append(out, head)
			}
		}
	}
	return out
}

func TestExplainSTS(t *testing.T) {
	tests := []struct {
		name, code, msg string
		wantChecks      []string
		wantLink        string
		wantVantage     bool
		wantCause       string
	}{
		{"no provider", "InvalidIdentityToken", "No OpenIDConnect provider found in your account for " + prIssuer,
			[]string{"IRSA302"}, finding.LinkOIDCProvider, false,
			"the role's account has no IAM OIDC provider for the token's issuer " + prIssuer + " (IRSA302)"},
		{"audience", "InvalidIdentityToken", "Incorrect token audience", []string{"IRSA303"}, finding.LinkOIDCProvider, false,
			"the IAM OIDC provider's ClientIDList does not list the token's audience (IRSA303)"},
		{"thumbprint", "InvalidIdentityToken", "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
			[]string{"IRSA304"}, finding.LinkOIDCProvider, false,
			"the IAM OIDC provider's thumbprints do not match the certificate of the issuer's JWKS host, which IAM checks when that certificate is not signed by a CA it trusts (IRSA304)"},
		{"verification key, with STS's double space", "InvalidIdentityToken",
			"Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
			[]string{"IRSA305"}, finding.LinkIssuer, true,
			"STS could not fetch the issuer's discovery document or JWKS, or they lack the token's signing key: the issuer must answer from the internet within 5 seconds; often transient (IRSA305)"},
		{"discovery", "InvalidIdentityToken",
			"Your request has a problem. Please see the following details. Please check .well-known/openid-configuration of provider: " + prIssuer + " is valid",
			[]string{"IRSA305"}, finding.LinkIssuer, false, "STS found the issuer's discovery document invalid (IRSA305)"},
		{"other invalid token", "InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
			nil, finding.LinkIssuer, false, "STS refused the token itself, for a reason irsa-doctor does not map to a check"},
		{"trust policy", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", model.TrustChecks, finding.LinkIAMRole, false,
			"the role does not exist, or its trust policy does not admit this token (Federated principal, Action, the :sub and :aud conditions); STS does not say which (IRSA201-IRSA210)"},
		{"expired", "ExpiredTokenException", "Token expired: current date/time 1795700000 must be before the expiration date/time 1795699300",
			nil, finding.LinkIssuer, false,
			"a token issued moments earlier for 600 seconds arrived expired: the clock of the API server, which signs tokens, is behind STS's by more than that; no static check sees clocks"},
		{"IdP unreachable", "IDPCommunicationError", "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.",
			nil, finding.LinkIssuer, false, "STS could not reach the identity provider to verify the token; usually transient"},
		{"claim rejected", "IDPRejectedClaim", "The identity provider (IdP) reported that authentication failed.", nil, finding.LinkIssuer, false,
			"the identity provider rejected the token's claims (rare for Kubernetes issuers)"},
		{"region disabled", "RegionDisabledException", "STS is not activated in the requested region", nil, finding.LinkIAMRole, false,
			"STS is not activated in this region for the role's account"},
		{"invalid ARN", "ValidationError", "Request ARN is invalid", []string{"IRSA103"}, finding.LinkIAMRole, false,
			"STS does not accept the role ARN (IRSA103)"},
		{"other validation error", "ValidationError", "1 validation error detected", nil, finding.LinkIAMRole, false,
			"an answer irsa-doctor does not map to a check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := model.ExplainSTS(tt.code, tt.msg)
			got := struct {
				Checks  []string
				Link    string
				Vantage bool
				Cause   string
			}{a.Checks, a.Link, a.Vantage, a.Cause}
			want := got
			want.Checks, want.Link, want.Vantage, want.Cause = tt.wantChecks, tt.wantLink, tt.wantVantage, tt.wantCause
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("explainSTS(%s, %q) (-want +got):\n%s", tt.code, tt.msg, diff)
			}
			if a.Remedy == "" {
				t.Errorf("explainSTS(%s, %q) has no remedy", tt.code, tt.msg)
			}
		})
	}
}

// TestRecorderSeen: a check reads the outcomes of the checks it Sees for
// the same target (in run order, cascade skips applied), and only those.
func TestRecorderSeen(t *testing.T) {
	s := prSnapshot()
	var seen []string
	probe := &Check{ID: "IRSA399", Slug: "prior", Title: "p", Severity: finding.SeverityWarning, Link: finding.LinkIAMRole,
		Scope: ScopeServiceAccount | ScopeWorkloads, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			var parts []string
			for _, o := range r.Seen() {
				parts = append(parts, fmt.Sprintf("%s %s %s %s %q", o.Check.ID, o.Status, o.Severity, o.Subject, o.Message))
			}
			seen = append(seen, t.Key()+": "+strings.Join(parts, "; "))
		}}
	probe.Sees = []*Check{{ID: "IRSA201"}, {ID: "IRSA205"}, {ID: "IRSA206"}, {ID: "IRSA207"}}
	checks := []*Check{
		prFake("IRSA201", finding.StatusPass, finding.SeverityError, "role exists"),
		prFake("IRSA205", finding.StatusFail, finding.SeverityError, "sub differs"),
		// Blocked by IRSA205: the engine turns its pass into a skip.
		func() *Check {
			c := prFake("IRSA206", finding.StatusPass, finding.SeverityError, "aud ok")
			c.Requires = []*Check{{ID: "IRSA205"}}
			c.Subject = model.SASubjectOf
			return c
		}(),
		prFake("IRSA207", finding.StatusFail, finding.SeverityWarning, "too broad"),
		probe,
	}
	// Passes without --show-passed keep no message.
	Run(s, Options{Checks: standIn(checks), Now: prNow, DropPasses: true})
	sort.Strings(seen)
	prior := `IRSA201 pass error  ""; IRSA205 fail error ServiceAccount payments/s3-reader "sub differs"; ` +
		`IRSA206 skipped error ServiceAccount payments/s3-reader "blocked by IRSA205"; IRSA207 fail warning ServiceAccount payments/s3-reader "too broad"`
	want := []string{"Deployment/payments/api: " + prior, "Pod/payments/" + prPod + ": " + prior}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("Prior (-want +got):\n%s", diff)
	}
}

// TestRecorderAtLink: an outcome counts for the link AtLink names.
func TestRecorderAtLink(t *testing.T) {
	s := prSnapshot()
	moved := &Check{ID: "IRSA399", Slug: "moved", Title: "m", Severity: finding.SeverityError, Link: finding.LinkIAMRole,
		Scope: ScopeWorkloads, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			r.AtLink(finding.LinkOIDCProvider)
			r.Fail(t.SASubject(), "provider missing")
		}}
	out := Run(s, Options{Checks: []*Check{moved}, Now: prNow})
	for _, tg := range out.Targets {
		got := map[string]string{}
		for _, l := range tg.Links {
			got[l.Link] = l.Status + " " + l.Detail
		}
		want := map[string]string{
			finding.LinkServiceAccount: "unknown not checked", finding.LinkWebhook: "unknown not checked",
			finding.LinkIAMRole: "unknown not checked", finding.LinkOIDCProvider: "fail IRSA399", finding.LinkIssuer: "unknown not checked",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s links (-want +got):\n%s", tg.Kind, tg.Name, diff)
		}
	}
}

func TestPlanProbe(t *testing.T) {
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		sel  model.Selector
		want model.ProbePlan
	}{
		{
			name: "workload, its pod and their ServiceAccount",
			snap: prSnapshot(),
			want: model.ProbePlan{SAs: []model.ProbeSA{{Namespace: "payments", Name: "s3-reader", RoleARN: prRole, Audience: "sts.amazonaws.com"}},
				Workloads: []model.WorkloadRef{{Kind: "Deployment", Namespace: "payments", Name: "api"}}},
		},
		{
			// A pod named alone: its owner's template is dry-run.
			name: "named pod",
			snap: prSnapshot(),
			sel:  model.Selector{Pods: []model.NamespacedName{{Namespace: "payments", Name: prPod}}},
			want: model.ProbePlan{SAs: []model.ProbeSA{{Namespace: "payments", Name: "s3-reader", RoleARN: prRole, Audience: "sts.amazonaws.com"}},
				Workloads: []model.WorkloadRef{{Kind: "Deployment", Namespace: "payments", Name: "api"}}},
		},
		{
			name: "audience annotation, and a role ARN with spaces around it",
			snap: prSnapshot(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].Annotations = map[string]string{webhook.AnnotationRoleARN: " " + prRole + " ", webhook.AnnotationAudience: "sts.amazonaws.com.cn"}
			}),
			want: model.ProbePlan{SAs: []model.ProbeSA{{Namespace: "payments", Name: "s3-reader", RoleARN: prRole, Audience: "sts.amazonaws.com.cn"}},
				Workloads: []model.WorkloadRef{{Kind: "Deployment", Namespace: "payments", Name: "api"}}},
		},
		{
			name: "ServiceAccount without a role",
			snap: prSnapshot(func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].Annotations = map[string]string{webhook.AnnotationRoleARN: ""}
			}),
		},
		{
			// The template uses EKS Pod Identity now; the pod, created
			// before the association, still uses IRSA: its token is
			// probed, the template is not dry-run.
			name: "EKS Pod Identity association after the pod",
			snap: prSnapshot(func(s *snapshot.Snapshot) {
				s.Clusters = []*snapshot.Cluster{{Name: "prod", Account: "111122223333", Region: "us-west-2"}}
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{{ClusterName: "prod", Namespace: "payments", ServiceAccount: "s3-reader",
					Account: "111122223333", Region: "us-west-2", RoleARN: prRole}}
			}),
			want: model.ProbePlan{SAs: []model.ProbeSA{{Namespace: "payments", Name: "s3-reader", RoleARN: prRole, Audience: "sts.amazonaws.com"}}},
		},
		{
			name: "another namespace",
			snap: prSnapshot(),
			sel:  model.Selector{Namespaces: []string{"billing"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, model.PlanProbe(tt.snap, tt.sel)); diff != "" {
				t.Errorf("PlanProbe (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunOrderSees: a check runs after the checks it Sees, even those that
// After moved later, and their failure does not block it.
func TestRunOrderSees(t *testing.T) {
	c209, c301, c313 := &Check{ID: "IRSA209"}, &Check{ID: "IRSA301"}, &Check{ID: "IRSA313"}
	c202 := &Check{ID: "IRSA202", Requires: []*Check{c209}}
	c312 := &Check{ID: "IRSA312", Sees: []*Check{c202, c209, c301}}
	checks := []*Check{c202, c209, c301, c312, c313}
	var got []string
	for _, c := range runOrder(checks) {
		got = append(got, c.ID)
	}
	// Without Sees, IRSA312 would run before IRSA202 (ID order, with
	// IRSA202 moved after IRSA209).
	want := []string{"IRSA209", "IRSA301", "IRSA313", "IRSA202", "IRSA312"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runOrder (-want +got):\n%s", diff)
	}

	s := prSnapshot(prProbe("", "", 200))
	static := prFake("IRSA205", finding.StatusFail, finding.SeverityError, "sub differs")
	static.Requires = []*Check{{ID: "IRSA209"}}
	heads := prHeads(prRun(t, s, irsa312, static, prFake("IRSA209", finding.StatusPass, finding.SeverityError, "valid")), "IRSA312")
	wantHeads := []string{`IRSA312 fail ServiceAccount payments/s3-reader: STS accepted a fresh token of ServiceAccount "s3-reader" for role ` + prRole +
		", but IRSA205 predicted a refusal: this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; " +
		"static verdicts: IRSA205 fail, IRSA209 pass"}
	if diff := cmp.Diff(wantHeads, heads); diff != "" {
		t.Errorf("IRSA312 with a reordered static check (-want +got):\n%s", diff)
	}
}
