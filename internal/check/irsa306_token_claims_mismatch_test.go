package check

import (
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA306(t *testing.T) {
	const podSubj = "Pod payments/" + iamPod
	head := func(status, msg string) string { return "IRSA306 " + status + " " + podSubj + ": " + msg }
	fresh := iamNow.Add(-2 * time.Hour)
	// noAudience is a pod whose aws-iam-token volume names no audience
	// (the ServiceAccount's eks.amazonaws.com/audience annotation was
	// empty): the API server issues the token for its own audience.
	noAudience := func(s *snapshot.Snapshot) {
		s.Pods[0].Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = ""
	}
	const apiAud = "https://kubernetes.default.svc"
	tokenEv := func(iss, aud, iat, exp string) string {
		return "  evidence: bundle token.jwt: token claims: iss=" + iss + " sub=" + iamSub + " aud=[" + aud + "] iat=" + iat + " exp=" + exp + " kid=k1"
	}
	clusterEv := "  evidence: bundle describe-cluster.json: cluster prod issuer: " + iamIssuer
	audEv := "  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/" + iamPod + ")"
	// unverified is what a validity statement says when the input has no
	// JWKS with the token's key.
	const unverified = ", if its signature is valid: the input has no JWKS with key k1 to verify it (capture: curl -s " + iamIssuer + "/keys > keys.json)"
	keysSrc := snapshot.Source{Kind: "bundle", Ref: "keys.json"}
	verified := snapshot.SignatureCheck{KeyID: "k1", Verified: true, JWKS: keysSrc}
	mismatch := snapshot.SignatureCheck{KeyID: "k1", Why: "the signature does not match the key", JWKS: keysSrc}
	// signature sets the last token's alg and what the bundle reader found
	// of its signature.
	signature := func(alg string, checks ...snapshot.SignatureCheck) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			tok := s.Tokens[len(s.Tokens)-1]
			tok.Alg, tok.Signature = alg, checks
		}
	}
	tests := []struct {
		name string
		mods []func(*snapshot.Snapshot)
		want []string
	}{
		{
			name: "the token is what the configuration predicts",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com")},
			want: []string{strings.Join([]string{
				head("pass", `the token of ServiceAccount payments/s3-reader fits: its iss is the cluster's issuer; its aud includes "sts.amazonaws.com", the audience of the pods' token; it is valid until 2026-11-27T10:00:00Z`+unverified),
				tokenEv(iamIssuer, "sts.amazonaws.com", "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"), clusterEv, audEv,
			}, "\n")},
		},
		{
			name: "its signature verifies with a key of the input's JWKS",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com"), signature("RS256", verified)},
			want: []string{strings.Join([]string{
				head("pass", `the token of ServiceAccount payments/s3-reader fits: its iss is the cluster's issuer; its aud includes "sts.amazonaws.com", the audience of the pods' token; its RS256 signature verifies with key k1 of the input's JWKS; it is valid until 2026-11-27T10:00:00Z`),
				tokenEv(iamIssuer, "sts.amazonaws.com", "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"), clusterEv, audEv,
				"  evidence: bundle keys.json: JWKS key k1 verifies the token's RS256 signature",
			}, "\n")},
		},
		{
			// The issue: an all-zero RS256 signature was reported "valid
			// until ...". With the JWKS of its kid, it is a failure.
			name: "its signature does not verify with the key of its kid",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com"), signature("RS256", mismatch)},
			want: []string{strings.Join([]string{
				head("fail", "the token's RS256 signature does not verify with key k1 of the input's JWKS (the signature does not match the key): STS rejects it with InvalidIdentityToken"),
				tokenEv(iamIssuer, "sts.amazonaws.com", "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"), clusterEv, audEv,
				"  evidence: bundle keys.json: JWKS key k1 does not verify the token's RS256 signature: the signature does not match the key",
			}, "\n")},
		},
		{
			name: "two key sets of its kid, neither verifies it",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com"), signature("ES256",
				snapshot.SignatureCheck{KeyID: "k1", Why: "the token's alg ES256 takes an EC key on P-256, and the key is an RSA key", JWKS: snapshot.Source{Kind: "bundle", Ref: "jwks.json"}}, mismatch)},
			want: []string{head("fail", "the token's ES256 signature does not verify with key k1 of any of the input's 2 JWKS (the token's alg ES256 takes an EC key on P-256, and the key is an RSA key; the signature does not match the key): STS rejects it with InvalidIdentityToken")},
		},
		{
			name: "an invalid signature on an old capture is still an error",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", iamNow.Add(-76*time.Hour), "sts.amazonaws.com"), signature("RS256", mismatch)},
			want: []string{head("fail", "the token's RS256 signature does not verify with key k1 of the input's JWKS (the signature does not match the key): STS rejects it with InvalidIdentityToken; the token expired at 2026-11-24T08:00:00Z, 2d4h before this analysis: the capture may simply be old")},
		},
		{
			name: "alg none is never valid",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com"), signature("none")},
			want: []string{head("fail", `the token's header names alg "none", not a public-key signature, which no key of a JWKS can verify: STS rejects it with InvalidIdentityToken`)},
		},
		{
			name: "no kid: the signature is not verified",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "", fresh, "sts.amazonaws.com"), signature("RS256")},
			want: []string{head("pass", `the token of ServiceAccount payments/s3-reader fits: its iss is the cluster's issuer; its aud includes "sts.amazonaws.com", the audience of the pods' token; it is valid until 2026-11-27T10:00:00Z, if its signature is valid: its header names no kid, so no key of a JWKS could be chosen to verify it`)},
		},
		{
			name: "no expiry: the signature is still said not to be verified",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com"), func(s *snapshot.Snapshot) { s.Tokens[0].ExpiresAt = 0 }},
			want: []string{head("pass", `the token of ServiceAccount payments/s3-reader fits: its iss is the cluster's issuer; its aud includes "sts.amazonaws.com", the audience of the pods' token; its signature is not verified: the input has no JWKS with key k1 to verify it (capture: curl -s `+iamIssuer+`/keys > keys.json)`)},
		},
		{
			name: "the newest of two tokens is judged",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", iamNow.Add(-72*time.Hour), "sts.amazonaws.com"), token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com")},
			want: []string{head("pass", `the token of ServiceAccount payments/s3-reader fits: its iss is the cluster's issuer; its aud includes "sts.amazonaws.com", the audience of the pods' token; it is valid until 2026-11-27T10:00:00Z`+unverified)},
		},
		{
			name: "no token of the ServiceAccount",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, "system:serviceaccount:payments:default", "k1", fresh, "sts.amazonaws.com")},
			want: []string{head("skipped", "the input has no token of ServiceAccount payments/s3-reader (capture: kubectl create token s3-reader -n payments --audience sts.amazonaws.com > token.jwt)")},
		},
		{
			name: "a token made without --audience says nothing about the pods",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, apiAud)},
			want: []string{strings.Join([]string{
				head("skipped", `the token in the input was issued for aud [https://kubernetes.default.svc], not for "sts.amazonaws.com", the audience of the pods' token: it was not taken from these pods, so its claims say nothing about them (capture: kubectl create token s3-reader -n payments --audience sts.amazonaws.com > token.jwt)`),
				tokenEv(iamIssuer, apiAud, "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"), clusterEv, audEv,
			}, "\n")},
		},
		{
			name: "the API server issues tokens under another issuer",
			mods: []func(*snapshot.Snapshot){token("https://kubernetes.default.svc.cluster.local", iamSub, "k1", fresh, "sts.amazonaws.com")},
			want: []string{head("fail", `the token's iss "https://kubernetes.default.svc.cluster.local" differs from the cluster's issuer "`+iamIssuer+`": STS looks for the IAM OIDC provider of the token's iss, not of the cluster's issuer`)},
		},
		{
			// An EKS API server issues every token for its own issuer
			// (docs/reference/webhook.md#token-facts): this one came from another cluster.
			name: "a token of another EKS cluster says nothing about the pods",
			mods: []func(*snapshot.Snapshot){token("https://oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9", iamSub, "k1", fresh, "sts.amazonaws.com")},
			want: []string{strings.Join([]string{
				head("skipped", "the token in the input was issued by https://oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9, another EKS cluster's issuer: "+
					"this cluster's API server issues tokens for "+iamIssuer+" only, so the token was created through another kube context and says nothing about these pods "+
					"(capture with this cluster's context: kubectl create token s3-reader -n payments --audience sts.amazonaws.com > token.jwt)"),
				tokenEv("https://oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9", "sts.amazonaws.com", "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"), clusterEv, audEv,
			}, "\n")},
		},
		{
			name: "an EKS issuer differing in letter case only is judged",
			mods: []func(*snapshot.Snapshot){token(strings.ToLower(iamIssuer), iamSub, "k1", fresh, "sts.amazonaws.com")},
			want: []string{head("fail", `the token's iss "`+strings.ToLower(iamIssuer)+`" differs from the cluster's issuer "`+iamIssuer+`" only in letter case, but STS looks the provider up by the iss exactly`)},
		},
		{
			name: "a trailing slash in the token's iss",
			mods: []func(*snapshot.Snapshot){token(iamIssuer+"/", iamSub, "k1", fresh, "sts.amazonaws.com")},
			want: []string{head("fail", `the token's iss "`+iamIssuer+`/" differs from the cluster's issuer "`+iamIssuer+`" only by a trailing slash, but STS looks the provider up by the iss exactly`)},
		},
		{
			name: "expired offline: an info with its age",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", iamNow.Add(-76*time.Hour), "sts.amazonaws.com")},
			want: []string{strings.Join([]string{
				head("fail", "the token expired at 2026-11-24T08:00:00Z, 2d4h before this analysis: the capture may simply be old"),
				"  severity: info",
				tokenEv(iamIssuer, "sts.amazonaws.com", "2026-11-23T08:00:00Z", "2026-11-24T08:00:00Z"), clusterEv, audEv,
			}, "\n")},
		},
		{
			name: "expired live: an error",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", iamNow.Add(-25*time.Hour), "sts.amazonaws.com"), func(s *snapshot.Snapshot) { s.Mode = "live" }},
			want: []string{head("fail", "the token expired at 2026-11-26T11:00:00Z, 1h ago: STS rejects it with ExpiredTokenException")},
		},
		{
			name: "already expired when the bundle was collected: an error",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", iamNow.Add(-76*time.Hour), "sts.amazonaws.com"), func(s *snapshot.Snapshot) { s.CollectedAt = "2026-11-25T09:30:00Z" }},
			want: []string{head("fail", "the token had already expired when the bundle was collected (exp 2026-11-24T08:00:00Z, collected 2026-11-25T09:30:00Z, 1d1h later): STS rejects it with ExpiredTokenException")},
		},
		{
			name: "no audience of its own: the provider's ClientIDList rejects the API server's",
			mods: []func(*snapshot.Snapshot){noAudience, token(iamIssuer, iamSub, "k1", fresh, apiAud)},
			want: []string{strings.Join([]string{
				head("fail", `the pods' token names no audience, so the API server issued it for aud [https://kubernetes.default.svc], none of which is in the provider's ClientIDList [sts.amazonaws.com]: STS answers "Incorrect token audience"`),
				tokenEv(iamIssuer, apiAud, "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"), clusterEv,
				"  evidence: bundle pods.json: the token's aud: the API server's own audience (volume aws-iam-token of Pod payments/" + iamPod + " sets no audience)",
				"  evidence: bundle oidc-provider.json: provider " + iamProvider + " ClientIDList: [sts.amazonaws.com]",
				"  fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --client-id https://kubernetes.default.svc",
			}, "\n")},
		},
		{
			name: "no audience of its own: the trust policy rejects it",
			mods: []func(*snapshot.Snapshot){noAudience, token(iamIssuer, iamSub, "k1", fresh, apiAud), func(s *snapshot.Snapshot) {
				s.OIDCProviders[0].ClientIDs = []string{"sts.amazonaws.com", apiAud}
			}},
			want: []string{head("fail", `the pods' token names no audience, so the API server issued it for aud [https://kubernetes.default.svc], which the trust policy of role s3-reader rejects: implicitly denied: Statement[0] requires `+iamHP+`:aud StringEquals "sts.amazonaws.com"; the token has "https://kubernetes.default.svc"`)},
		},
		{
			name: "no audience of its own, and both accept it",
			mods: []func(*snapshot.Snapshot){noAudience, token(iamIssuer, iamSub, "k1", fresh, apiAud), func(s *snapshot.Snapshot) {
				s.OIDCProviders[0].ClientIDs = []string{"sts.amazonaws.com", apiAud}
				s.Roles[iamRoleARN].TrustPolicy = iamTrust(iamSub, apiAud)
			}},
			want: []string{head("pass", "the token of ServiceAccount payments/s3-reader fits: its iss is the cluster's issuer; its aud [https://kubernetes.default.svc], chosen by the API server, passes the provider's ClientIDList and the trust policy of role s3-reader; it is valid until 2026-11-27T10:00:00Z"+unverified)},
		},
		{
			name: "the cluster's issuer is not known",
			mods: []func(*snapshot.Snapshot){token(iamIssuer, iamSub, "k1", fresh, "sts.amazonaws.com"), func(s *snapshot.Snapshot) { s.Clusters = nil }},
			want: []string{head("skipped", "the cluster's issuer is not known: the input has no EKS cluster and no issuer URL (capture: aws eks describe-cluster --name CLUSTER --output json)")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa306)
			if len(tt.want) == 1 && !strings.Contains(tt.want[0], "\n") {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

func TestIRSA306TemplateFoldsIntoWorkload(t *testing.T) {
	// A Deployment's template and its pod judge the same token the same
	// way, so the pod's finding folds into the workload's.
	yes := true
	s := iamSnapshot(token(iamIssuer, iamSub, "k1", iamNow.Add(-2*time.Hour), "sts.amazonaws.com"), func(s *snapshot.Snapshot) {
		s.Workloads = []*snapshot.Workload{{Kind: "Deployment", APIVersion: "apps/v1", ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "api"},
			Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: []snapshot.Container{{Name: "app"}}}},
			Source:   snapshot.Source{Kind: "bundle", Ref: "deployments.json"}}}
		s.Pods[0].Labels = map[string]string{"pod-template-hash": "7d9f8b6c5"}
		s.Pods[0].OwnerReferences = []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", Controller: &yes}}
	})
	out := Run(s, Options{Checks: []*Check{irsa306}, Now: iamNow})
	if len(out.Findings) != 1 || out.Findings[0].Subject.Kind != "Deployment" {
		t.Fatalf("findings = %+v, want one on Deployment payments/api", out.Findings)
	}
}

func TestIRSA306InvalidSignatureRemedy(t *testing.T) {
	// A signature that does not verify: the remediation says what can
	// cause it and what to capture to compare.
	s := iamSnapshot(token(iamIssuer, iamSub, "k1", iamNow.Add(-2*time.Hour), "sts.amazonaws.com"), func(s *snapshot.Snapshot) {
		s.Tokens[0].Alg = "RS256"
		s.Tokens[0].Signature = []snapshot.SignatureCheck{{KeyID: "k1", Why: "the signature does not match the key", JWKS: snapshot.Source{Kind: "bundle", Ref: "keys.json"}}}
	})
	out := Run(s, Options{Checks: []*Check{irsa306}, Now: iamNow})
	if len(out.Findings) != 1 {
		t.Fatalf("findings = %+v, want one", out.Findings)
	}
	want := "A token whose signature does not verify with the key its kid names was not signed with that key: it was altered or cut short after it was issued, " +
		"or the API server signs with another key than the JWKS publishes under that kid (a self-hosted issuer whose JWKS was not republished after the signing key changed: " +
		"publish the keys of `kubectl get --raw /openid/v1/jwks`). Capture a fresh token and the JWKS together and compare: " +
		"kubectl create token s3-reader -n payments --audience sts.amazonaws.com > token.jwt; curl -s " + iamIssuer + "/keys > keys.json."
	if got := out.Findings[0].Remediation; got != want {
		t.Errorf("remediation:\n got %q\nwant %q", got, want)
	}
	if f := out.Findings[0]; f.Status != finding.StatusFail || f.Severity != finding.SeverityError {
		t.Errorf("status %s severity %s, want fail error", f.Status, f.Severity)
	}
}
