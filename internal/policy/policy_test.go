package policy_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// The cluster every IRSA case uses. The issuer is shortened from the real
// shape https://oidc.eks.REGION.amazonaws.com/id/ID (docs/reference/webhook.md#token-facts) to
// keep expected sentences readable.
const (
	issuer   = "oidc.eks.us-west-2.amazonaws.com/id/ABC"
	provider = "arn:aws:iam::111122223333:oidc-provider/" + issuer
	other    = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/XYZ"
	subject  = "system:serviceaccount:payments:api"
)

// expand replaces $ISS and $PROV in a JSON template.
var expand = strings.NewReplacer("$ISS", issuer, "$PROV", provider, "$OTHER", other).Replace

// irsa is the request of a pod running as payments/api with the default
// audience.
func irsa() policy.Request {
	return policy.WebIdentityRequest(provider, issuer, "sts.amazonaws.com", subject)
}

// generic is a request with an AWS principal and the given context, for
// operators IRSA requests never exercise.
func generic(ctx map[string][]string) policy.Request {
	return policy.Request{
		Action:    "sts:AssumeRole",
		Principal: policy.Principal{Type: policy.PrincipalAWS, Value: "arn:aws:iam::111122223333:role/ci"},
		Context:   ctx,
	}
}

// stmt is one IRSA statement trusting $PROV for sts:AssumeRoleWithWebIdentity
// with the given Condition block ("" for none).
func stmt(sid, condition string) string {
	s := `{"Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRoleWithWebIdentity"`
	if sid != "" {
		s = `{"Sid":"` + sid + `",` + s[1:]
	}
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return s + "}"
}

// doc wraps statements in a 2012-10-17 document.
func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// genericDoc is one Allow statement for the generic request's principal with
// the given Condition block.
func genericDoc(condition string) string {
	return doc(`{"Sid":"Ci","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":"sts:AssumeRole","Condition":` + condition + `}`)
}

const (
	eksctlCondition = `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com","$ISS:sub":"system:serviceaccount:payments:api"}}`
	allowedIRSA     = `allowed: statement "AllowS3Reader" allows sts:AssumeRoleWithWebIdentity`
)

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		req     policy.Request
		want    policy.Decision
		explain string
	}{
		// Principal and Action forms.
		{
			name: "eksctl trust policy allows its service account",
			doc:  doc(stmt("AllowS3Reader", eksctlCondition)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "sub names another namespace",
			doc:  doc(stmt("AllowS3Reader", `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com","$ISS:sub":"system:serviceaccount:payment:api"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "AllowS3Reader" requires ` + issuer + `:sub StringEquals "system:serviceaccount:payment:api"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "Federated principal as a list",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":["$OTHER","$PROV"]},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Federated principal of another cluster",
			doc:  doc(`{"Effect":"Allow","Principal":{"Federated":"$OTHER"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] trusts Federated "` + other + `"; the request comes from Federated "` + provider + `"`,
		},
		{
			name: "Federated principal in another partition",
			doc:  doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws-cn:iam::111122223333:oidc-provider/` + issuer + `"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] trusts Federated "arn:aws-cn:iam::111122223333:oidc-provider/` + issuer + `"; the request comes from Federated "` + provider + `"`,
		},
		{
			name: "Principal star string matches a federated principal",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "AWS star is not documented for a federated principal",
			doc:  doc(`{"Sid":"Any","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: statement "Any" may allow sts:AssumeRoleWithWebIdentity: it trusts AWS "*"; IAM does not document whether that covers Federated "` + provider + `"`,
		},
		{
			name: "AWS star matches an AWS principal",
			doc:  doc(`{"Sid":"Any","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Any" allows sts:AssumeRole`,
		},
		{
			name: "provider ARN that differs only in case is not guessed",
			doc:  doc(`{"Sid":"Lower","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/abc"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: statement "Lower" may allow sts:AssumeRoleWithWebIdentity: it trusts Federated "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/abc", which differs from the request's Federated "` + provider + `" only in letter case; IAM does not document whether principals compare case-sensitively`,
		},
		{
			name: "Deny with NotPrincipal AWS star leaves an Allow undetermined",
			doc: doc(stmt("AllowS3Reader", ""),
				`{"Sid":"DenyNonAWS","Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"sts:*"}`),
			req: irsa(), want: policy.Unknown,
			explain: `undetermined: statement "AllowS3Reader" allows sts:AssumeRoleWithWebIdentity, but statement "DenyNonAWS" may deny it: it excludes with NotPrincipal AWS "*"; IAM does not document whether that covers Federated "` + provider + `"`,
		},
		{
			name: "account root principal does not cover a federated principal",
			doc:  doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] trusts AWS "arn:aws:iam::111122223333:root"; the request comes from Federated "` + provider + `"`,
		},
		{
			name: "account ID principal covers a role of the account",
			doc:  doc(`{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Acct" allows sts:AssumeRole`,
		},
		{
			name: "account root principal of another account",
			doc:  doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}`),
			req:  generic(nil), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] trusts AWS "arn:aws:iam::444455556666:root"; the request comes from AWS "arn:aws:iam::111122223333:role/ci"`,
		},
		{
			name: "role principal covers its sessions whatever the role path",
			doc:  doc(`{"Sid":"Chain","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/team/account-a-role"},"Action":"sts:AssumeRole"}`),
			req: policy.Request{Action: "sts:AssumeRole", Principal: policy.Principal{
				Type: policy.PrincipalAWS, Value: "arn:aws:sts::111122223333:assumed-role/account-a-role/botocore-session-1"}},
			want: policy.Allowed, explain: `allowed: statement "Chain" allows sts:AssumeRole`,
		},
		{
			name: "Action as a list",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":["sts:TagSession","sts:AssumeRoleWithWebIdentity"]}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Action for another operation",
			doc:  doc(`{"Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRole"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] allows action "sts:AssumeRole"; the request is for "sts:AssumeRoleWithWebIdentity"`,
		},
		{
			name: "Action service wildcard",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:*"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Action star",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"*"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Action prefix wildcard",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRole*"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Action names are case-insensitive",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"STS:assumerolewithwebidentity"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Action question mark matches exactly one character",
			doc:  doc(`{"Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRole?"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] allows action "sts:AssumeRole?"; the request is for "sts:AssumeRoleWithWebIdentity"`,
		},
		{
			name: "NotAction that leaves the request's action",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","Principal":{"Federated":"$PROV"},"NotAction":"sts:AssumeRole"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "NotAction that excludes the request's action",
			doc:  doc(`{"Effect":"Allow","Principal":{"Federated":"$PROV"},"NotAction":["sts:TagSession","sts:AssumeRoleWith*"]}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] excludes action "sts:TagSession" or "sts:AssumeRoleWith*" with NotAction; the request is for "sts:AssumeRoleWithWebIdentity"`,
		},

		// String operators.
		{
			name: "StringLike star for every service account of a namespace",
			doc:  doc(stmt("AllowS3Reader", `{"StringLike":{"$ISS:sub":"system:serviceaccount:payments:*"},"StringEquals":{"$ISS:aud":"sts.amazonaws.com"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "StringLike question mark",
			doc:  doc(stmt("AllowS3Reader", `{"StringLike":{"$ISS:sub":"system:serviceaccount:payments:ap?"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "StringLike pattern that does not match",
			doc:  doc(stmt("", `{"StringLike":{"$ISS:sub":"system:serviceaccount:billing:*"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringLike "system:serviceaccount:billing:*"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "wildcard under StringEquals is literal",
			doc:  doc(stmt("", `{"StringEquals":{"$ISS:sub":"system:serviceaccount:payments:*"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringEquals "system:serviceaccount:payments:*"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "StringEquals values are OR-ed",
			doc:  doc(stmt("AllowS3Reader", `{"StringEquals":{"$ISS:sub":["system:serviceaccount:billing:api","system:serviceaccount:payments:api"]}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "StringEquals none of several values",
			doc:  doc(stmt("", `{"StringEquals":{"$ISS:sub":["system:serviceaccount:billing:api","system:serviceaccount:payments:web"]}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringEquals "system:serviceaccount:billing:api" or "system:serviceaccount:payments:web"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "StringEquals values are case-sensitive",
			doc:  doc(stmt("", `{"StringEquals":{"$ISS:sub":"system:serviceaccount:Payments:api"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringEquals "system:serviceaccount:Payments:api"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "StringNotEquals that the subject avoids",
			doc:  doc(stmt("AllowS3Reader", `{"StringNotEquals":{"$ISS:sub":"system:serviceaccount:kube-system:default"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "StringNotEquals with several values is false when one matches",
			doc:  doc(stmt("", `{"StringNotEquals":{"$ISS:sub":["system:serviceaccount:kube-system:default","system:serviceaccount:payments:api"]}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringNotEquals "system:serviceaccount:kube-system:default" and "system:serviceaccount:payments:api"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "StringEqualsIgnoreCase",
			doc:  doc(stmt("AllowS3Reader", `{"StringEqualsIgnoreCase":{"$ISS:sub":"SYSTEM:ServiceAccount:PAYMENTS:API"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "StringNotEqualsIgnoreCase matches whatever the case",
			doc:  doc(stmt("", `{"StringNotEqualsIgnoreCase":{"$ISS:sub":"SYSTEM:SERVICEACCOUNT:PAYMENTS:API"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringNotEqualsIgnoreCase "SYSTEM:SERVICEACCOUNT:PAYMENTS:API"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "StringNotLike that the subject avoids",
			doc:  doc(stmt("AllowS3Reader", `{"StringNotLike":{"$ISS:sub":"system:serviceaccount:kube-system:*"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "StringNotLike that the subject matches",
			doc:  doc(stmt("", `{"StringNotLike":{"$ISS:sub":"system:serviceaccount:payments:*"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringNotLike "system:serviceaccount:payments:*"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "condition keys are case-insensitive",
			doc:  doc(stmt("AllowS3Reader", `{"StringEquals":{"OIDC.EKS.US-WEST-2.AMAZONAWS.COM/id/abc:SUB":"system:serviceaccount:payments:api"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "condition key written with https is absent from the request",
			doc:  doc(stmt("", `{"StringEquals":{"https://$ISS:sub":"system:serviceaccount:payments:api"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires https://` + issuer + `:sub StringEquals "system:serviceaccount:payments:api"; the token has no https://` + issuer + `:sub`,
		},
		{
			name: "aud and sub swapped",
			doc:  doc(stmt("Swapped", `{"StringEquals":{"$ISS:aud":"system:serviceaccount:payments:api","$ISS:sub":"sts.amazonaws.com"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "Swapped" requires ` + issuer + `:aud StringEquals "system:serviceaccount:payments:api"; the token has "sts.amazonaws.com"; and requires ` + issuer + `:sub StringEquals "sts.amazonaws.com"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "audience of another partition",
			doc:  doc(stmt("", `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com.cn"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:aud StringEquals "sts.amazonaws.com.cn"; the token has "sts.amazonaws.com"`,
		},
		{
			name: "number value compares as its text",
			doc:  genericDoc(`{"StringEquals":{"aws:PrincipalAccount":111122223333}}`),
			req:  generic(map[string][]string{"aws:PrincipalAccount": {"111122223333"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},

		// Bool.
		{
			name: "Bool with a JSON boolean",
			doc:  genericDoc(`{"Bool":{"aws:SecureTransport":true}}`),
			req:  generic(map[string][]string{"aws:SecureTransport": {"true"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "Bool compares true and false case-insensitively",
			doc:  genericDoc(`{"Bool":{"aws:SecureTransport":"TRUE"}}`),
			req:  generic(map[string][]string{"aws:SecureTransport": {"true"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name:    "Bool mismatch",
			doc:     genericDoc(`{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`),
			req:     generic(map[string][]string{"aws:MultiFactorAuthPresent": {"false"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:MultiFactorAuthPresent Bool "true"; the request has "false"`,
		},
		{
			name: "Bool on an absent key",
			doc:  genericDoc(`{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`),
			req:  generic(nil), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:MultiFactorAuthPresent Bool "true"; the request has no aws:MultiFactorAuthPresent`,
		},
		{
			name: "BoolIfExists on an absent key",
			doc:  genericDoc(`{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},

		// Absent keys and IfExists.
		{
			name: "StringEquals on an absent key",
			doc:  genericDoc(`{"StringEquals":{"aws:PrincipalTag/team":"payments"}}`),
			req:  generic(nil), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:PrincipalTag/team StringEquals "payments"; the request has no aws:PrincipalTag/team`,
		},
		{
			name: "StringNotEquals on an absent key is true",
			doc:  genericDoc(`{"StringNotEquals":{"aws:PrincipalTag/team":"payments"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "StringNotLike on an absent key is true",
			doc:  genericDoc(`{"StringNotLike":{"aws:PrincipalTag/team":"pay*"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "StringEqualsIfExists on an absent key",
			doc:  genericDoc(`{"StringEqualsIfExists":{"aws:PrincipalTag/team":"payments"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name:    "StringEqualsIfExists on a present key that differs",
			doc:     genericDoc(`{"StringEqualsIfExists":{"aws:PrincipalTag/team":"payments"}}`),
			req:     generic(map[string][]string{"aws:PrincipalTag/team": {"billing"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:PrincipalTag/team StringEqualsIfExists "payments"; the request has "billing"`,
		},
		{
			name: "StringLikeIfExists on a present key that matches",
			doc:  doc(stmt("AllowS3Reader", `{"StringLikeIfExists":{"$ISS:sub":"system:serviceaccount:payments:*"}}`)),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},

		// Null.
		{
			name: "Null true on an absent key",
			doc:  genericDoc(`{"Null":{"aws:TokenIssueTime":"true"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name:    "Null true on a present key",
			doc:     genericDoc(`{"Null":{"aws:TokenIssueTime":"true"}}`),
			req:     generic(map[string][]string{"aws:TokenIssueTime": {"2026-01-01T00:00:00Z"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:TokenIssueTime Null "true"; the request has "2026-01-01T00:00:00Z"`,
		},
		{
			name: "Null false on a present key",
			doc:  genericDoc(`{"Null":{"aws:TokenIssueTime":"false"}}`),
			req:  generic(map[string][]string{"aws:TokenIssueTime": {"2026-01-01T00:00:00Z"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "Null false on an absent key",
			doc:  genericDoc(`{"Null":{"aws:TokenIssueTime":false}}`),
			req:  generic(nil), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:TokenIssueTime Null "false"; the request has no aws:TokenIssueTime`,
		},

		// Set operators.
		{
			name: "ForAnyValue on an absent key is false",
			doc:  genericDoc(`{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}`),
			req:  generic(nil), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:TagKeys ForAnyValue:StringEquals "team"; the request has no aws:TagKeys`,
		},
		{
			name: "ForAllValues on an absent key is true",
			doc:  genericDoc(`{"ForAllValues:StringEquals":{"aws:TagKeys":"team"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "ForAnyValue with one matching value",
			doc:  genericDoc(`{"ForAnyValue:StringLike":{"aws:TagKeys":"team*"}}`),
			req:  generic(map[string][]string{"aws:TagKeys": {"cost-center", "team-name"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name:    "ForAnyValue with no matching value",
			doc:     genericDoc(`{"ForAnyValue:StringLike":{"aws:TagKeys":"team*"}}`),
			req:     generic(map[string][]string{"aws:TagKeys": {"cost-center", "owner"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:TagKeys ForAnyValue:StringLike "team*"; the request has "cost-center" and "owner"`,
		},
		{
			name: "ForAllValues with every value listed",
			doc:  genericDoc(`{"ForAllValues:StringEquals":{"aws:TagKeys":["team","owner"]}}`),
			req:  generic(map[string][]string{"aws:TagKeys": {"owner", "team"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name:    "ForAllValues with one value not listed",
			doc:     genericDoc(`{"ForAllValues:StringEquals":{"aws:TagKeys":["team","owner"]}}`),
			req:     generic(map[string][]string{"aws:TagKeys": {"team", "cost-center"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:TagKeys ForAllValues:StringEquals "team" or "owner"; the request has "team" and "cost-center"`,
		},
		{
			name: "ForAnyValue StringNotEquals with one value outside the list",
			doc:  genericDoc(`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["team","owner"]}}`),
			req:  generic(map[string][]string{"aws:TagKeys": {"team", "cost-center"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name:    "ForAllValues StringNotLike with one value matching",
			doc:     genericDoc(`{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`),
			req:     generic(map[string][]string{"aws:TagKeys": {"key2:audit", "key1:legal"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:TagKeys ForAllValues:StringNotLike "key1*"; the request has "key2:audit" and "key1:legal"`,
		},
		{
			name: "ForAllValues IfExists on an absent key",
			doc:  genericDoc(`{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"team"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "ForAnyValue IfExists on an absent key is not guessed",
			doc:  genericDoc(`{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"team"}}`),
			req:  generic(nil), want: policy.Unknown,
			explain: `undetermined: statement "Ci" may allow sts:AssumeRole: it uses ForAnyValue:StringEqualsIfExists on aws:TagKeys, which the request lacks; AWS's documentation and observed behaviour disagree on IfExists under ForAnyValue`,
		},
		{
			name:    "plain operator on a multivalued key is not guessed",
			doc:     genericDoc(`{"StringEquals":{"aws:TagKeys":"team"}}`),
			req:     generic(map[string][]string{"aws:TagKeys": {"team", "owner"}}),
			want:    policy.Unknown,
			explain: `undetermined: statement "Ci" may allow sts:AssumeRole: it applies StringEquals to aws:TagKeys, which has several values in the request ("team", "owner"); IAM requires ForAnyValue or ForAllValues for a multivalued key`,
		},
		{
			name: "set operator on Null is not guessed",
			doc:  genericDoc(`{"ForAllValues:Null":{"aws:TagKeys":"true"}}`),
			req:  generic(nil), want: policy.Unknown,
			explain: `undetermined: statement "Ci" may allow sts:AssumeRole: it uses ForAllValues:Null on aws:TagKeys; IAM does not document a set operator on Null`,
		},

		// Several statements, Deny.
		{
			name: "second statement allows",
			doc: doc(stmt("Billing", `{"StringEquals":{"$ISS:sub":"system:serviceaccount:billing:api"}}`),
				stmt("AllowS3Reader", eksctlCondition)),
			req: irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "explicit Deny overrides an Allow",
			doc: doc(stmt("AllowS3Reader", eksctlCondition),
				`{"Sid":"DenyPayments","Effect":"Deny","Principal":{"Federated":"$PROV"},"Action":"sts:*","Condition":{"StringLike":{"$ISS:sub":"system:serviceaccount:payments:*"}}}`),
			req: irsa(), want: policy.ExplicitDeny,
			explain: `explicitly denied: statement "DenyPayments" denies sts:AssumeRoleWithWebIdentity, which overrides the Allow in statement "AllowS3Reader"`,
		},
		{
			name: "Deny that does not apply",
			doc: doc(stmt("AllowS3Reader", eksctlCondition),
				`{"Sid":"DenyKubeSystem","Effect":"Deny","Principal":{"Federated":"$PROV"},"Action":"sts:*","Condition":{"StringLike":{"$ISS:sub":"system:serviceaccount:kube-system:*"}}}`),
			req: irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "explicit Deny without any Allow",
			doc:  doc(`{"Sid":"DenyAll","Effect":"Deny","Principal":"*","Action":"*"}`),
			req:  irsa(), want: policy.ExplicitDeny,
			explain: `explicitly denied: statement "DenyAll" denies sts:AssumeRoleWithWebIdentity`,
		},
		{
			name: "only Deny statements that do not apply",
			doc:  doc(`{"Sid":"DenyOthers","Effect":"Deny","Principal":{"Federated":"$OTHER"},"Action":"*"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: the policy has no Allow statement`,
		},
		{
			name: "no statements",
			doc:  `{"Version":"2012-10-17","Statement":[]}`,
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: the policy has no statements`,
		},
		{
			name: "closest statement is the one for the request's provider",
			doc: doc(`{"Sid":"OtherCluster","Effect":"Allow","Principal":{"Federated":"$OTHER"},"Action":"sts:AssumeRoleWithWebIdentity"}`,
				stmt("ThisCluster", `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com","$ISS:sub":"system:serviceaccount:payments:web"}}`)),
			req: irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: none of the 2 Allow statements applies; the closest, statement "ThisCluster", requires ` + issuer + `:sub StringEquals "system:serviceaccount:payments:web"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "closest statement is the one with fewer failures",
			doc: doc(stmt("TwoWrong", `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com.cn","$ISS:sub":"system:serviceaccount:payments:web"}}`),
				stmt("OneWrong", `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com","$ISS:sub":"system:serviceaccount:payments:web"}}`)),
			req: irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: none of the 2 Allow statements applies; the closest, statement "OneWrong", requires ` + issuer + `:sub StringEquals "system:serviceaccount:payments:web"; the token has "system:serviceaccount:payments:api"`,
		},

		// NotPrincipal.
		{
			name: "Allow with NotPrincipal that leaves the request's principal",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"Allow","NotPrincipal":{"Federated":"$OTHER"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Allow with NotPrincipal that excludes the request's principal",
			doc:  doc(`{"Effect":"Allow","NotPrincipal":{"Federated":"$PROV"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] excludes Federated "` + provider + `" with NotPrincipal; the request comes from Federated "` + provider + `"`,
		},
		{
			name: "Deny with NotPrincipal that exempts the request's principal",
			doc: doc(stmt("AllowS3Reader", ""),
				`{"Sid":"DenyOthers","Effect":"Deny","NotPrincipal":{"Federated":"$PROV"},"Action":"sts:*"}`),
			req: irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Deny with NotPrincipal that exempts someone else",
			doc: doc(stmt("AllowS3Reader", ""),
				`{"Sid":"DenyOthers","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:*"}`),
			req: irsa(), want: policy.ExplicitDeny,
			explain: `explicitly denied: statement "DenyOthers" denies sts:AssumeRoleWithWebIdentity, which overrides the Allow in statement "AllowS3Reader"`,
		},

		// What the evaluator does not compute.
		{
			name:    "unsupported operator on a present key",
			doc:     genericDoc(`{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`),
			req:     generic(map[string][]string{"aws:MultiFactorAuthAge": {"60"}}),
			want:    policy.Unknown,
			explain: `undetermined: statement "Ci" may allow sts:AssumeRole: it uses NumericLessThan on aws:MultiFactorAuthAge, which this evaluator does not evaluate`,
		},
		{
			name: "unsupported operator on an absent key is decided",
			doc:  genericDoc(`{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`),
			req:  generic(nil), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:MultiFactorAuthAge NumericLessThan "3600"; the request has no aws:MultiFactorAuthAge`,
		},
		{
			name: "unsupported negated operator on an absent key is true",
			doc:  genericDoc(`{"ArnNotLike":{"aws:SourceArn":"arn:aws:eks:*:*:cluster/prod"}}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "a Deny that may apply leaves an Allow undetermined",
			doc: doc(`{"Sid":"Ci","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":"sts:AssumeRole"}`,
				`{"Sid":"DenyLate","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}}`),
			req:     generic(map[string][]string{"aws:CurrentTime": {"2026-06-01T00:00:00Z"}}),
			want:    policy.Unknown,
			explain: `undetermined: statement "Ci" allows sts:AssumeRole, but statement "DenyLate" may deny it: it uses DateGreaterThan on aws:CurrentTime, which this evaluator does not evaluate`,
		},
		{
			name: "an undecidable Deny for another principal does not matter",
			doc: doc(stmt("AllowS3Reader", ""),
				`{"Sid":"DenyOffice","Effect":"Deny","Principal":{"Federated":"$OTHER"},"Action":"sts:*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`),
			req: irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name:    "policy variable on a present key",
			doc:     genericDoc(`{"StringEquals":{"aws:PrincipalTag/team":"${aws:username}"}}`),
			req:     generic(map[string][]string{"aws:PrincipalTag/team": {"payments"}}),
			want:    policy.Unknown,
			explain: `undetermined: statement "Ci" may allow sts:AssumeRole: it compares aws:PrincipalTag/team under StringEquals with "${aws:username}", whose policy variable "${aws:username}" this evaluator does not resolve`,
		},
		{
			name:    "policy variable is literal text under Version 2008-10-17",
			doc:     `{"Version":"2008-10-17","Statement":{"Sid":"Ci","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:username}"}}}}`,
			req:     generic(map[string][]string{"aws:PrincipalTag/team": {"payments"}}),
			want:    policy.ImplicitDeny,
			explain: `implicitly denied: statement "Ci" requires aws:PrincipalTag/team StringEquals "${aws:username}"; the request has "payments"`,
		},
		{
			name: "escaped star under StringLike is a literal star",
			doc:  doc(stmt("", `{"StringLike":{"$ISS:sub":"system:serviceaccount:payments:${*}"}}`)),
			req:  irsa(), want: policy.ImplicitDeny,
			explain: `implicitly denied: Statement[0] requires ` + issuer + `:sub StringLike "system:serviceaccount:payments:${*}"; the token has "system:serviceaccount:payments:api"`,
		},
		{
			name: "escaped star matches a literal star",
			doc:  genericDoc(`{"StringLike":{"aws:PrincipalTag/pattern":"a${*}b"}}`),
			req:  generic(map[string][]string{"aws:PrincipalTag/pattern": {"a*b"}}),
			want: policy.Allowed, explain: `allowed: statement "Ci" allows sts:AssumeRole`,
		},
		{
			name: "global key STS may set but the request does not hold",
			doc:  doc(stmt("Office", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`)),
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: statement "Office" may allow sts:AssumeRoleWithWebIdentity: it tests aws:SourceIp with IpAddress, a key the token may carry but this evaluator was not given`,
		},
		{
			name: "repeated JSON key inside a statement",
			doc:  doc(`{"Sid":"Dup","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"$ISS:sub":"system:serviceaccount:payments:api"},"StringEquals":{"$ISS:aud":"sts.amazonaws.com"}}}`),
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: statement "Dup" may allow sts:AssumeRoleWithWebIdentity: it repeats the JSON key "StringEquals" at Statement[0].Condition; IAM does not document which copy it uses`,
		},
		{
			name: "repeated Statement key",
			doc:  `{"Version":"2012-10-17","Statement":[],"Statement":[` + stmt("AllowS3Reader", "") + `]}`,
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: the document repeats the JSON key "Statement" at the top level; IAM does not document which copy it uses`,
		},
		{
			name: "empty value list",
			doc:  doc(stmt("Empty", `{"StringEquals":{"$ISS:sub":[]}}`)),
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: statement "Empty" may allow sts:AssumeRoleWithWebIdentity: it gives ` + issuer + `:sub no values under StringEquals`,
		},
		{
			name:    "Bool value other than true or false",
			doc:     genericDoc(`{"Bool":{"aws:SecureTransport":"yes"}}`),
			req:     generic(map[string][]string{"aws:SecureTransport": {"true"}}),
			want:    policy.Unknown,
			explain: `undetermined: statement "Ci" may allow sts:AssumeRole: it gives aws:SecureTransport the value "yes" under Bool; IAM documents only "true" and "false"`,
		},
		{
			name: "Resource with a request that names none",
			doc:  doc(`{"Sid":"Res","Effect":"Allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRoleWithWebIdentity","Resource":"*"}`),
			req:  irsa(), want: policy.Unknown,
			explain: `undetermined: statement "Res" may allow sts:AssumeRoleWithWebIdentity: it names a resource and the request has none`,
		},

		// Document forms.
		{
			name: "Statement as a single object",
			doc:  expand(`{"Version":"2012-10-17","Statement":` + stmt("", eksctlCondition) + `}`),
			req:  irsa(), want: policy.Allowed,
			explain: `allowed: Statement allows sts:AssumeRoleWithWebIdentity`,
		},
		{
			name: "URL-encoded document as the IAM API returns it",
			doc:  url.QueryEscape(expand(doc(stmt("AllowS3Reader", eksctlCondition)))),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "document held in a JSON string",
			doc:  `"` + strings.ReplaceAll(expand(doc(stmt("AllowS3Reader", eksctlCondition))), `"`, `\"`) + `"`,
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "Effect in lower case",
			doc:  doc(`{"Sid":"AllowS3Reader","Effect":"allow","Principal":{"Federated":"$PROV"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			req:  irsa(), want: policy.Allowed, explain: allowedIRSA,
		},
		{
			name: "statement without a principal applies to any caller",
			doc:  doc(`{"Sid":"Identity","Effect":"Allow","Action":"sts:AssumeRole"}`),
			req:  generic(nil), want: policy.Allowed,
			explain: `allowed: statement "Identity" allows sts:AssumeRole`,
		},

		// EKS Pod Identity.
		{
			name: "Pod Identity trust policy allows AssumeRole",
			doc:  doc(`{"Sid":"AllowEksAuthToAssumeRoleForPodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}`),
			req:  policy.PodIdentityRequest("sts:AssumeRole"), want: policy.Allowed,
			explain: `allowed: statement "AllowEksAuthToAssumeRoleForPodIdentity" allows sts:AssumeRole`,
		},
		{
			name: "Pod Identity trust policy without TagSession",
			doc:  doc(`{"Sid":"PodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			req:  policy.PodIdentityRequest("sts:TagSession"), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "PodIdentity" allows action "sts:AssumeRole"; the request is for "sts:TagSession"`,
		},
		{
			name: "IRSA trust policy does not admit Pod Identity",
			doc:  doc(stmt("AllowS3Reader", eksctlCondition)),
			req:  policy.PodIdentityRequest("sts:AssumeRole"), want: policy.ImplicitDeny,
			explain: `implicitly denied: statement "AllowS3Reader" trusts Federated "` + provider + `"; the request comes from Service "pods.eks.amazonaws.com"; and allows action "sts:AssumeRoleWithWebIdentity"; the request is for "sts:AssumeRole"; and requires ` + issuer + `:aud StringEquals "sts.amazonaws.com"; the request has no ` + issuer + `:aud; and requires ` + issuer + `:sub StringEquals "system:serviceaccount:payments:api"; the request has no ` + issuer + `:sub`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument(expand(tt.doc))
			if err != nil {
				t.Fatalf("ParseDocument: %v", err)
			}
			res := d.Evaluate(tt.req)
			if res.Decision != tt.want {
				t.Errorf("Decision = %q, want %q", res.Decision, tt.want)
			}
			if got := res.Explain(); got != tt.explain {
				t.Errorf("Explain() =\n%s\nwant\n%s", got, tt.explain)
			}
		})
	}
}
