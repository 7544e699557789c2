package symptom

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
)

func load(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCatalogValid: every candidate is a check of the registry, every
// regexp compiles (Load), every source is a URL (Load).
func TestCatalogValid(t *testing.T) {
	c := load(t)
	if len(c.Signatures) < 20 {
		t.Errorf("%d signatures; the catalogue lost entries", len(c.Signatures))
	}
	for _, s := range c.Signatures {
		seen := map[string]bool{}
		for _, cand := range s.Candidates {
			if ch := check.ByIDOrSlug(cand.Check); ch == nil || ch.ID != cand.Check {
				t.Errorf("%s: candidate %q is not a check ID of the registry", s.ID, cand.Check)
			}
			if seen[cand.Check] {
				t.Errorf("%s: candidate %s listed twice", s.ID, cand.Check)
			}
			seen[cand.Check] = true
		}
	}
}

// TestCatalogParseErrors: what Load refuses, it names.
func TestCatalogParseErrors(t *testing.T) {
	base := "signatures:\n- id: x\n  title: t\n  means: m\n  sources: [https://example.com/a]\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"bad regexp", base + "  match: ['(']\n", "missing closing )"},
		{"unknown group", base + "  match: ['(?P<nope>a)']\n", `group "nope"`},
		{"no match", base, "match and sources are required"},
		{"bad source", strings.Replace(base, "https://example.com/a", "example.com", 1) + "  match: [a]\n", "not an https URL"},
		{"unknown field", base + "  match: [a]\n  capture: ['x {nope}']\n", "unknown field {nope}"},
		{"bad placeholder", base + "  match: [a]\n  capture: ['x {path|/var/run}']\n", "a brace"},
		{"unknown key", base + "  match: [a]\n  typo: 1\n", "typo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// guide holds the error messages of AWS's IRSA troubleshooting guide
// (https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-troubleshooting.html)
// and the STS error texts of docs/reference/sts-errors.md, verbatim, with
// the signature, the fields and the first two candidates each must give.
var guide = []struct {
	name, text, sig string
	fields          map[string]string
	first2          []string
}{
	{"guide: no OIDC provider (CLI)",
		"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: No OpenIDConnect provider found in your account for https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		"sts-oidc-provider-not-found",
		map[string]string{"code": "InvalidIdentityToken", "issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},
		[]string{"IRSA302", "IRSA203"}},
	{"guide: no OIDC provider (Go v1 WebIdentityErr)",
		"WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/4B2E1F0C9A8D7E6F5A4B3C2D1E0F9A8B\n\tstatus code: 400, request id: 2a2f3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d",
		"sts-oidc-provider-not-found",
		map[string]string{"code": "InvalidIdentityToken", "issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/4B2E1F0C9A8D7E6F5A4B3C2D1E0F9A8B", "request_id": "2a2f3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"},
		[]string{"IRSA302", "IRSA203"}},
	{"guide: no OIDC provider (China, JS v3)",
		"InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.cn-north-1.amazonaws.com.cn/id/0123456789ABCDEF0123456789ABCDEF",
		"sts-oidc-provider-not-found",
		map[string]string{"code": "InvalidIdentityToken", "issuer": "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/0123456789ABCDEF0123456789ABCDEF"},
		[]string{"IRSA302", "IRSA203"}},
	{"guide: not authorized to perform sts:AssumeRoleWithWebIdentity",
		"An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity",
		"sts-not-authorized-web-identity",
		map[string]string{"code": "AccessDenied"},
		[]string{"IRSA205", "IRSA203"}},
	{"guide: incorrect token audience",
		"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience",
		"sts-incorrect-token-audience",
		map[string]string{"code": "InvalidIdentityToken"},
		[]string{"IRSA303", "IRSA306"}},
	{"guide: thumbprint",
		"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
		"sts-thumbprint-mismatch",
		map[string]string{"code": "InvalidIdentityToken"},
		[]string{"IRSA304", "IRSA305"}},
	{"guide: Python token permission",
		"PermissionError: [Errno 13] Permission denied: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'",
		"token-file-permission-denied",
		map[string]string{"path": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
		[]string{"IRSA106"}},
	{"guide: Go token permission",
		"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied",
		"token-file-permission-denied",
		map[string]string{"path": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
		[]string{"IRSA106"}},
	{"sts-errors: verification key (two spaces)",
		"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
		"sts-verification-key-unavailable",
		map[string]string{"code": "InvalidIdentityToken"},
		[]string{"IRSA305", "IRSA301"}},
	{"sts-errors: discovery document",
		"Your request has a problem. Please see the following details. Please check .well-known/openid-configuration of provider: https://oidc.example.com/cluster is valid",
		"sts-discovery-invalid",
		map[string]string{"issuer": "https://oidc.example.com/cluster"},
		[]string{"IRSA305", "IRSA301"}},
	{"sts-errors: expired token",
		"ExpiredTokenException: Token expired: current date/time 1624482533 must be before the expiration date/time1624482335",
		"sts-expired-token",
		map[string]string{"code": "ExpiredTokenException"},
		[]string{"IRSA408", "IRSA112"}},
	{"sts-errors: IDPCommunicationError",
		"An error occurred (IDPCommunicationError) when calling the AssumeRoleWithWebIdentity operation: The identity provider could not be reached",
		"sts-idp-communication-error",
		map[string]string{"code": "IDPCommunicationError"},
		[]string{"IRSA305"}},
	{"sts-errors: RegionDisabledException",
		"An error occurred (RegionDisabledException) when calling the AssumeRoleWithWebIdentity operation: STS is not activated in this region for account:111122223333. Your account administrator can activate STS in this region using the IAM Console.",
		"sts-region-disabled",
		map[string]string{"code": "RegionDisabledException"},
		[]string{"IRSA409"}},
	{"sts-errors: wrong endpoint scope",
		"An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: Credential should be scoped to a valid region",
		"sts-wrong-endpoint-scope",
		map[string]string{"code": "SignatureDoesNotMatch"},
		[]string{"IRSA409"}},
	{"sts-errors: request ARN invalid",
		"An error occurred (ValidationError) when calling the AssumeRoleWithWebIdentity operation: Request ARN is invalid",
		"sts-request-arn-invalid",
		map[string]string{"code": "ValidationError"},
		[]string{"IRSA103", "IRSA109"}},
	{"sts-errors: Go v1 unreadable token file",
		"WebIdentityErr: unable to read file at /var/run/secrets/eks.amazonaws.com/serviceaccount/token\ncaused by: open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied",
		"token-file-permission-denied",
		map[string]string{"path": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
		[]string{"IRSA106"}},
	{"sts-errors: Go v2 wrapper",
		"failed to refresh cached credentials, failed to retrieve credentials, operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, https response error StatusCode: 400, RequestID: 7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918, InvalidIdentityToken: Incorrect token audience",
		"sts-incorrect-token-audience",
		map[string]string{"code": "InvalidIdentityToken", "request_id": "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918"},
		[]string{"IRSA303", "IRSA306"}},
	{"sts-errors: botocore AccessDenied",
		"botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity",
		"sts-not-authorized-web-identity",
		map[string]string{"code": "AccessDenied"},
		[]string{"IRSA205", "IRSA203"}},
	{"failure-modes #1: node role",
		"User: arn:aws:sts::111122223333:assumed-role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1ABCDEFGHIJK/i-0123456789abcdef0 is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
		"denied-node-role",
		map[string]string{"account": "111122223333", "role": "eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1ABCDEFGHIJK", "session": "i-0123456789abcdef0",
			"role_arn": "arn:aws:sts::111122223333:assumed-role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1ABCDEFGHIJK/i-0123456789abcdef0",
			"action":   "secretsmanager:GetSecretValue", "resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"},
		[]string{"IRSA104", "IRSA407"}},
	{"failure-modes #3: Java sts module",
		"software.amazon.awssdk.core.exception.SdkClientException: To use web identity tokens, the 'sts' service module must be on the class path.",
		"sts-module-missing",
		map[string]string{},
		[]string{"IRSA408", "IRSA407"}},
	{"failure-modes #5: unable to locate credentials",
		"Unable to locate credentials. You can configure credentials by running \"aws configure\".",
		"no-credentials",
		map[string]string{},
		[]string{"IRSA408", "IRSA407"}},
}

func TestSymptomGuideMessages(t *testing.T) {
	c := load(t)
	for _, tc := range guide {
		t.Run(tc.name, func(t *testing.T) {
			ms := c.Match(tc.text)
			if len(ms) == 0 {
				t.Fatalf("no signature matches %q", tc.text)
			}
			m := ms[0]
			if m.Signature.ID != tc.sig {
				t.Errorf("signature %s, want %s", m.Signature.ID, tc.sig)
			}
			if diff := cmp.Diff(tc.fields, m.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			var got []string
			for i, cand := range m.Signature.Candidates {
				if i < 2 {
					got = append(got, cand.Check)
				}
			}
			if diff := cmp.Diff(tc.first2, got); diff != "" {
				t.Errorf("first two candidates (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSymptomAccessDeniedRouting is the routing table of issue 12: who was
// denied, and by which kind of policy, decides the checks.
func TestSymptomAccessDeniedRouting(t *testing.T) {
	c := load(t)
	for _, tc := range []struct {
		name, text, sig string
		fields          map[string]string
		first           string // "" when no check of today explains it
	}{
		{"node role by session i-",
			`User: arn:aws:sts::123456789012:assumed-role/eks_node_groups/i-0a1b2c3d4e5f67890 is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::my-bucket" because no identity-based policy allows the s3:ListBucket action`,
			"denied-node-role",
			map[string]string{"account": "123456789012", "role": "eks_node_groups", "session": "i-0a1b2c3d4e5f67890", "role_arn": "arn:aws:sts::123456789012:assumed-role/eks_node_groups/i-0a1b2c3d4e5f67890", "action": "s3:ListBucket", "resource": "arn:aws:s3:::my-bucket"},
			"IRSA104"},
		{"IAM user",
			"An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::123456789012:user/ci-deployer is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::my-bucket/key.txt because no identity-based policy allows the s3:GetObject action",
			"denied-iam-user",
			map[string]string{"code": "AccessDenied", "account": "123456789012", "user": "ci-deployer", "action": "s3:GetObject", "resource": "arn:aws:s3:::my-bucket/key.txt"},
			"IRSA110"},
		{"pod's role, no identity-based policy",
			"User: arn:aws:sts::123456789012:assumed-role/payments-api/botocore-session-1700000000 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders because no identity-based policy allows the dynamodb:GetItem action",
			"denied-pod-role",
			map[string]string{"account": "123456789012", "role": "payments-api", "session": "botocore-session-1700000000", "role_arn": "arn:aws:sts::123456789012:assumed-role/payments-api/botocore-session-1700000000", "action": "dynamodb:GetItem", "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
			"IRSA601"},
		{"SCP deny is outside the input",
			"User: arn:aws:sts::123456789012:assumed-role/payments-api/1700000000000000000 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy",
			"denied-outside-input",
			map[string]string{"account": "123456789012", "role": "payments-api", "session": "1700000000000000000", "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k"},
			""},
		{"resource-based policy deny is outside the input",
			"User: arn:aws:sts::123456789012:assumed-role/payments-api/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a resource-based policy",
			"denied-outside-input",
			map[string]string{"account": "123456789012", "role": "payments-api", "session": "s", "action": "kms:Decrypt", "resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			""},
		{"permissions boundary",
			"User: arn:aws:sts::123456789012:assumed-role/payments-api/s is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:q with an explicit deny in a permissions boundary",
			"denied-permissions-boundary",
			map[string]string{"account": "123456789012", "role": "payments-api", "session": "s", "action": "sqs:SendMessage", "resource": "arn:aws:sqs:us-east-1:123456789012:q"},
			"IRSA603"},
		{"chained sts:AssumeRole",
			"An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::123456789012:assumed-role/payments-api/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/reader",
			"denied-chained-assume-role",
			map[string]string{"code": "AccessDenied", "account": "123456789012", "role": "payments-api", "session": "s", "action": "sts:AssumeRole", "resource": "arn:aws:iam::210987654321:role/reader", "role_arn": "arn:aws:iam::210987654321:role/reader"},
			"IRSA604"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := c.Match(tc.text)
			if len(ms) == 0 {
				t.Fatalf("no match")
			}
			m := ms[0]
			if m.Signature.ID != tc.sig {
				t.Errorf("signature %s, want %s", m.Signature.ID, tc.sig)
			}
			if diff := cmp.Diff(tc.fields, m.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			first := ""
			if len(m.Signature.Candidates) > 0 {
				first = m.Signature.Candidates[0].Check
			}
			if first != tc.first {
				t.Errorf("first candidate %q, want %q", first, tc.first)
			}
		})
	}
}

// TestSymptomMatchShapes: JSON log lines, multi-line Java traces, redaction,
// priority of a specific cause over the SDK's wrapper.
func TestSymptomMatchShapes(t *testing.T) {
	c := load(t)
	t.Run("JSON log line", func(t *testing.T) {
		line := `{"level":"error","ts":"2024-05-01T12:03:11Z","msg":"failed to get secret","error":"WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: Incorrect token audience\n\tstatus code: 400, request id: 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"}`
		ms := c.Match(line)
		if len(ms) == 0 || ms[0].Signature.ID != "sts-incorrect-token-audience" {
			t.Fatalf("got %v", ids(ms))
		}
		if got := ms[0].Fields["request_id"]; got != "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d" {
			t.Errorf("request_id %q", got)
		}
		if len(ms) < 2 || ms[1].Signature.ID != "web-identity-failed" {
			t.Errorf("the wrapper should follow the cause: %v", ids(ms))
		}
	})
	t.Run("JSON after a timestamp", func(t *testing.T) {
		line := `2024-05-01T12:03:11.123456789Z {"level":"error","msg":"reconcile","error":"WebIdentityErr: failed to retrieve credentials\ncaused by: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\n\tstatus code: 403, request id: 5c3f9ce5-ba7d-495e-98b1-ffcd5cf85133"}`
		ms := c.Match(line)
		if len(ms) == 0 || ms[0].Signature.ID != "sts-not-authorized-web-identity" {
			t.Fatalf("got %v", ids(ms))
		}
		if ms[0].Line != "caused by: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity" {
			t.Errorf("Line %q", ms[0].Line)
		}
		if got := ms[0].Fields["request_id"]; got != "5c3f9ce5-ba7d-495e-98b1-ffcd5cf85133" {
			t.Errorf("request_id %q", got)
		}
	})
	t.Run("Java stack trace", func(t *testing.T) {
		trace := `Exception in thread "main" software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentialsProvider(), EnvironmentVariableCredentialsProvider(), WebIdentityTokenCredentialsProvider(), ProfileCredentialsProvider(), ContainerCredentialsProvider(), InstanceProfileCredentialsProvider()]) : [SystemPropertyCredentialsProvider(): Unable to load credentials from system settings.
	at software.amazon.awssdk.core.exception.SdkClientException$BuilderImpl.build(SdkClientException.java:111)
	at software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain.resolveCredentials(AwsCredentialsProviderChain.java:130)
Caused by: software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789 (Service: Sts, Status Code: 400, Request ID: 9e8d7c6b-5a49-4382-9190-8a7b6c5d4e3f)
	at software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)`
		ms := c.Match(trace)
		if len(ms) == 0 || ms[0].Signature.ID != "sts-oidc-provider-not-found" {
			t.Fatalf("got %v", ids(ms))
		}
		want := map[string]string{"code": "InvalidIdentityToken", "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789", "request_id": "9e8d7c6b-5a49-4382-9190-8a7b6c5d4e3f"}
		if diff := cmp.Diff(want, ms[0].Fields); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(ms[0].Line, "Caused by: software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException") {
			t.Errorf("Line %q", ms[0].Line)
		}
	})
	t.Run("Java v2 chain without web identity variables", func(t *testing.T) {
		chain := "software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentialsProvider(), EnvironmentVariableCredentialsProvider(), WebIdentityTokenCredentialsProvider(), ProfileCredentialsProvider(), ContainerCredentialsProvider(), InstanceProfileCredentialsProvider()]) : [SystemPropertyCredentialsProvider(): Unable to load credentials from system settings. Access key must be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., EnvironmentVariableCredentialsProvider(): Unable to load credentials from system settings. Access key must be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., WebIdentityTokenCredentialsProvider(): Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or the javaproperty aws.webIdentityTokenFile must be set., ProfileCredentialsProvider(): Profile file contained no credentials for profile 'default': ProfileFile(profiles=[]), ContainerCredentialsProvider(): Cannot fetch credentials from container - neither AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI environment variables are set., InstanceProfileCredentialsProvider(): Failed to load credentials from IMDS.]"
		ms := c.Match(chain)
		if len(ms) == 0 || ms[0].Signature.ID != "web-identity-env-missing" {
			t.Fatalf("got %v", ids(ms))
		}
	})
	t.Run("redaction", func(t *testing.T) {
		text := "Incorrect token audience for eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOlsic3RzIl19.c2lnbmF0dXJl with ASIAIOSFODNN7EXAMPLE"
		ms := c.Match(text)
		if len(ms) == 0 {
			t.Fatal("no match")
		}
		if strings.Contains(ms[0].Line, "eyJhdWQ") || strings.Contains(ms[0].Line, "IOSFODNN7") {
			t.Errorf("Line not redacted: %q", ms[0].Line)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		if ms := c.Match("connection reset by peer"); len(ms) != 0 {
			t.Errorf("got %v", ids(ms))
		}
	})
	t.Run("closest", func(t *testing.T) {
		if s := c.Closest("the token audience looks incorrect"); s == nil || s.ID != "sts-incorrect-token-audience" {
			t.Errorf("closest %v", s)
		}
		if s := c.Closest("hello world"); s != nil {
			t.Errorf("closest %v, want none", s.ID)
		}
	})
}

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Signature.ID)
	}
	return out
}

// TestSymptomCommands: a field the text carried is filled in and quoted; one it
// did not keeps its placeholder.
func TestSymptomCommands(t *testing.T) {
	s := &Signature{Capture: []string{"aws iam get-role --role-name {role|ROLE_NAME}", "curl {issuer}/x"}}
	quote := func(v string) string { return "'" + v + "'" }
	got := s.Commands(map[string]string{"role": "a b"}, quote)
	want := []string{"aws iam get-role --role-name 'a b'", "curl ISSUER/x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// sample is one verbatim real-world error line of testdata/samples.yaml.
type sample struct {
	Text   string `json:"text"`
	Source string `json:"source"`
	SDK    string `json:"sdk"`
	Check  string `json:"check"`
	Note   string `json:"note"`
}

// ambiguous are samples whose cause the text alone cannot tell: the same
// words are, in other threads, caused by other checks. Keyed by source and
// check; each says why. They are logged, not failed; the report (analyze
// with the capture) is what decides them.
var ambiguous = map[string]string{
	"https://github.com/external-secrets/kubernetes-external-secrets/issues/287 IRSA204": "bare 'Not authorized to perform sts:AssumeRoleWithWebIdentity': STS does not say which part of the trust policy failed; IRSA205 and IRSA203 are likelier in the samples (4 and 2 lines) than IRSA204, IRSA210 or IRSA202 (1 each)",
	"https://github.com/crossplane/crossplane/issues/5578 IRSA210":                       "bare 'Not authorized to perform sts:AssumeRoleWithWebIdentity' (see IRSA204's sample)",
	"https://github.com/aws/aws-node-termination-handler/issues/373 IRSA202":             "bare 'Not authorized to perform sts:AssumeRoleWithWebIdentity' (see IRSA204's sample)",
	"https://github.com/external-secrets/kubernetes-external-secrets/issues/739 IRSA409": "JS v2 'Missing credentials in config' says nothing about STS being unreachable; the thread's title (VPC endpoints) does",
	"https://github.com/aws/amazon-eks-pod-identity-webhook/issues/264 IRSA406":          "'No OpenIDConnect provider found' from a pod that got IRSA variables instead of Pod Identity's: only the pod spec and the association's creation time tell",
	"https://github.com/Smana/cloud-native-ref/issues/1700 IRSA406":                      "the application's own 'Access Denied.' carries no AWS error code, principal or SDK wording",
	"https://github.com/activeloopai/deeplake/issues/3161 IRSA408":                       "a node-role denial from a library with its own (C++) credential chain; the text names no SDK, so the unmutated pod (IRSA104) stays first",
}

// TestSamples: each real-world line's cause is among the first two
// candidates of the best match; a line whose cause no check is about still
// matches some signature.
func TestSamples(t *testing.T) {
	data, err := os.ReadFile("testdata/samples.yaml")
	if os.IsNotExist(err) {
		t.Skip("testdata/samples.yaml is not there yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	var samples []sample
	if err := yaml.Unmarshal(data, &samples); err != nil {
		t.Fatalf("testdata/samples.yaml: %v", err)
	}
	c := load(t)
	for i, s := range samples {
		name := s.SDK + "/" + s.Check
		t.Run(name, func(t *testing.T) {
			ms := c.Match(s.Text)
			if len(ms) == 0 {
				if why, ok := ambiguous[s.Source+" "+s.Check]; ok {
					t.Logf("sample %d (%s): no match: %s", i, s.Source, why)
					return
				}
				t.Fatalf("sample %d (%s): no signature matches %q", i, s.Source, s.Text)
			}
			if s.Check == "" {
				return
			}
			var first2 []string
			for j, cand := range ms[0].Signature.Candidates {
				if j < 2 {
					first2 = append(first2, cand.Check)
				}
			}
			for _, id := range first2 {
				if id == s.Check {
					return
				}
			}
			if why, ok := ambiguous[s.Source+" "+s.Check]; ok {
				t.Logf("sample %d (%s): best match %s gives %v, not %s: %s", i, s.Source, ms[0].Signature.ID, first2, s.Check, why)
				return
			}
			t.Errorf("sample %d (%s): best match %s gives %v, want %s among them:\n%s", i, s.Source, ms[0].Signature.ID, first2, s.Check, s.Text)
		})
	}
}

// FuzzMatch: Match never panics, and a long input is read in bounded time.
func FuzzMatch(f *testing.F) {
	for _, tc := range guide {
		f.Add(tc.text)
	}
	f.Add(`{"msg":"x\n` + strings.Repeat(`{"a":[`, 50) + `"}`)
	c := load(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range c.Match(s) {
			if len(m.Line) > 4*maxExcerpt {
				t.Errorf("Line of %d bytes", len(m.Line))
			}
		}
		c.Closest(s)
	})
}

// TestSymptomLongInput: input beyond MaxInput is cut, so time stays bounded.
func TestSymptomLongInput(t *testing.T) {
	c := load(t)
	long := strings.Repeat("User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform ", 200000)
	start := time.Now()
	c.Match(long)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Match of %d bytes took %v", len(long), d)
	}
}

// TestSymptomSDKWording: lines as the SDKs and tools print them (wording checked
// against the SDKs' sources and public reports: see each signature's
// sources), each with the signature and the first candidate it must give.
func TestSymptomSDKWording(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ sdk, text, sig, first string }{
		{"go-v2", "operation error S3: ListBuckets, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled, context deadline exceeded", "imds-unreachable", "IRSA407"},
		{"go-v2", "failed to refresh cached credentials, failed to retrieve credentials, failed to retrieve jwt from provide source, unable to read file at /var/run/secrets/eks.amazonaws.com/serviceaccount/token: open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied", "token-file-permission-denied", "IRSA106"},
		{"go-v1", "NoCredentialProviders: no valid providers in chain. Deprecated.\n\tFor verbose messaging see aws.Config.CredentialsChainVerboseErrors", "no-credentials", "IRSA408"},
		{"go-v1", "EC2RoleRequestError: no EC2 instance role found\ncaused by: EC2MetadataError: failed to make EC2Metadata request", "imds-unreachable", "IRSA407"},
		{"botocore", "botocore.exceptions.NoCredentialsError: Unable to locate credentials", "no-credentials", "IRSA408"},
		{"botocore", `botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from container-role: Error retrieving metadata: Received error when attempting to retrieve container metadata: Connect timeout on endpoint URL: "http://169.254.170.23/v1/credentials"`, "pod-identity-agent-unreachable", "IRSA403"},
		{"botocore", `botocore.exceptions.ConnectTimeoutError: Connect timeout on endpoint URL: "http://169.254.169.254/latest/api/token"`, "imds-unreachable", "IRSA407"},
		{"java-v2", "software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400, Request ID: 3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9)", "sts-incorrect-token-audience", "IRSA303"},
		{"java-v2", "software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[]) : [InstanceProfileCredentialsProvider(): Failed to load credentials from IMDS.]", "imds-unreachable", "IRSA407"},
		{"java-v1", "com.amazonaws.SdkClientException: Unable to load AWS credentials from any provider in the chain: [EnvironmentVariableCredentialsProvider: Unable to load AWS credentials from environment variables, WebIdentityTokenCredentialsProvider: You must specify a value for roleArn and roleSessionName]", "web-identity-env-missing", "IRSA104"},
		{"js-v3", "CredentialsProviderError: Could not load credentials from any providers", "no-credentials", "IRSA408"},
		{"js-v3", "Error: ENOENT: no such file or directory, open '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'", "token-file-not-found", "IRSA109"},
		{"js-v3", "Error: EACCES: permission denied, open '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'", "token-file-permission-denied", "IRSA106"},
		{"js-v2", "CredentialsError: Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1", "no-credentials", "IRSA408"},
		{"dotnet", "Amazon.Runtime.AmazonServiceException: Unable to get IAM security credentials from EC2 Instance Metadata Service.", "imds-unreachable", "IRSA407"},
		{"dotnet", "Amazon.Runtime.AmazonClientException: Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors:", "no-credentials", "IRSA408"},
		{"rust", "dispatch failure: other: no providers in chain provided credentials", "no-credentials", "IRSA408"},
		{"rust", "service error: InvalidIdentityTokenException: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements", "sts-verification-key-unavailable", "IRSA305"},
		{"python", "FileNotFoundError: [Errno 2] No such file or directory: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'", "token-file-not-found", "IRSA109"},
		{"java", "java.nio.file.AccessDeniedException: /var/run/secrets/eks.amazonaws.com/serviceaccount/token", "token-file-permission-denied", "IRSA106"},
		{"cli", "An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date/time 1624482533 must be before the expiration date/time 1624482335", "sts-expired-token", "IRSA408"},
		{"cli", "An error occurred (InvalidParameterValue) when calling the AssumeRoleWithWebIdentity operation: Value (x) for parameter roleSessionName is invalid", "sts-invalid-parameter", "IRSA103"},
	} {
		t.Run(tc.sdk+"/"+tc.sig, func(t *testing.T) {
			ms := c.Match(tc.text)
			if len(ms) == 0 {
				t.Fatalf("no match for %q", tc.text)
			}
			m := ms[0]
			first := ""
			if len(m.Signature.Candidates) > 0 {
				first = m.Signature.Candidates[0].Check
			}
			if m.Signature.ID != tc.sig || first != tc.first {
				t.Errorf("got %s (first %s), want %s (first %s); all: %v", m.Signature.ID, first, tc.sig, tc.first, ids(ms))
			}
		})
	}
}
