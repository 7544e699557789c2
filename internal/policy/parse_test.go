package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func TestParseDocumentErrors(t *testing.T) {
	// stmtWith is a valid IRSA statement with one element replaced or added.
	stmtWith := func(extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"p"},"Action":"sts:AssumeRoleWithWebIdentity",` + extra + `}]}`
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty input", "  \n", `invalid policy: the document is empty`},
		{"truncated JSON", `{"Statement":[`, `invalid policy: not valid JSON: the document ends early`},
		{"syntax error with its position", "{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}",
			`invalid policy: not valid JSON at line 3, column 3: invalid character '"' after object key:value pair`},
		{"data after the document", `{"Statement":[]} {}`, `invalid policy: unexpected data after the policy document at line 1, column 19`},
		{"not an object", `["Statement"]`, `invalid policy: a policy document is a JSON object, not a list`},
		{"nesting too deep", strings.Repeat("[", 40) + strings.Repeat("]", 40),
			`invalid policy: not valid JSON at line 1, column 34: nested more than 32 levels deep`},
		{"bad URL encoding", "%7B%ZZ", `invalid policy: the URL-encoded document does not decode: invalid URL escape "%ZZ"`},
		{"missing Statement", `{"Version":"2012-10-17"}`, `invalid policy: missing the Statement element`},
		{"unknown top-level element", `{"Version":"2012-10-17","Statements":[]}`,
			`invalid policy: unknown top-level element "Statements"; IAM allows Version, Id and Statement`},
		{"unknown Version", `{"Version":"2012-10-18","Statement":[]}`,
			`invalid policy at Version: "2012-10-18" is not a policy language version; IAM accepts "2012-10-17" and "2008-10-17"`},
		{"Version as a number", `{"Version":2012,"Statement":[]}`, `invalid policy at Version: must be a string, not a number`},
		{"Id as a list", `{"Id":[],"Statement":[]}`, `invalid policy at Id: must be a string, not a list`},
		{"Statement as a string", `{"Statement":"Allow"}`, `invalid policy at Statement: must be an object or a list of objects, not a string`},
		{"statement that is not an object", `{"Statement":[{"Effect":"Allow","Action":"sts:*"},"x"]}`,
			`invalid policy at Statement[1]: a statement is a JSON object, not a string`},
		{"unknown statement element", stmtWith(`"Conditions":{}`),
			`invalid policy at Statement[0]: unknown element "Conditions"; a statement allows Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition`},
		{"Sid as a number", stmtWith(`"Sid":1`), `invalid policy at Statement[0].Sid: must be a string, not a number`},
		{"missing Effect", `{"Statement":{"Action":"sts:*"}}`, `invalid policy at Statement: missing Effect`},
		{"Effect of another word", `{"Statement":{"Effect":"Permit","Action":"sts:*"}}`,
			`invalid policy at Statement.Effect: must be "Allow" or "Deny", not "Permit"`},
		{"Effect as a boolean", `{"Statement":{"Effect":true,"Action":"sts:*"}}`,
			`invalid policy at Statement.Effect: must be "Allow" or "Deny", not a boolean`},
		{"Principal and NotPrincipal", stmtWith(`"NotPrincipal":{"AWS":"111122223333"}`),
			`invalid policy at Statement[0]: has both Principal and NotPrincipal; IAM allows one`},
		{"Principal string other than star", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"sts:*"}}`,
			`invalid policy at Statement.Principal: a principal given as a string must be "*", not "arn:aws:iam::111122223333:root"; name others as {"AWS": ...}, {"Federated": ...} or {"Service": ...}`},
		{"Principal as a list", `{"Statement":{"Effect":"Allow","Principal":["*"],"Action":"sts:*"}}`,
			`invalid policy at Statement.Principal: must be "*" or an object, not a list`},
		{"unknown principal type", `{"Statement":{"Effect":"Allow","Principal":{"OIDC":"x"},"Action":"sts:*"}}`,
			`invalid policy at Statement.Principal: unknown principal type "OIDC"; IAM allows AWS, Federated, Service and CanonicalUser`},
		{"partial wildcard in a principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/*"]},"Action":"sts:*"}}`,
			`invalid policy at Statement.Principal.AWS[1]: "arn:aws:iam::111122223333:role/*" uses a wildcard; IAM allows "*" only on its own in a principal`},
		{"principal value of the wrong type", `{"Statement":{"Effect":"Allow","Principal":{"Service":[1]},"Action":"sts:*"}}`,
			`invalid policy at Statement.Principal.Service[0]: must be a string, not a number`},
		{"missing Action", `{"Statement":{"Effect":"Allow","Principal":"*"}}`, `invalid policy at Statement: missing Action or NotAction`},
		{"Action and NotAction", stmtWith(`"NotAction":"sts:TagSession"`), `invalid policy at Statement[0]: has both Action and NotAction; IAM allows one`},
		{"Action without a service prefix", `{"Statement":{"Effect":"Allow","Action":["sts:TagSession","AssumeRoleWithWebIdentity"]}}`,
			`invalid policy at Statement.Action[1]: action "AssumeRoleWithWebIdentity" has no service prefix (IAM: "Actions/Conditions must be prefaced by a vendor")`},
		{"Action with two colons", `{"Statement":{"Effect":"Allow","Action":"sts:Assume:Role"}}`,
			`invalid policy at Statement.Action: action "sts:Assume:Role" has more than one colon (IAM: "Actions/Condition can contain only one colon")`},
		{"Action with a wildcard vendor", `{"Statement":{"Effect":"Allow","NotAction":"*:AssumeRole"}}`,
			`invalid policy at Statement.NotAction: action "*:AssumeRole" has a wildcard in its service prefix (IAM: "Action vendors must not contain wildcards")`},
		{"Action without a name", `{"Statement":{"Effect":"Allow","Action":"sts:"}}`,
			`invalid policy at Statement.Action: action "sts:" has no action name after the colon`},
		{"Action as an empty list", `{"Statement":{"Effect":"Allow","Action":[]}}`, `invalid policy at Statement.Action: is an empty list`},
		{"Action as an object", `{"Statement":{"Effect":"Allow","Action":{}}}`,
			`invalid policy at Statement.Action: must be a string or a list of strings, not an object`},
		{"Resource and NotResource", stmtWith(`"Resource":"*","NotResource":"*"`),
			`invalid policy at Statement[0]: has both Resource and NotResource; IAM allows one`},
		{"Condition as a list", stmtWith(`"Condition":[]`),
			`invalid policy at Statement[0].Condition: must be an object of condition operators, not a list`},
		{"misspelt condition operator", stmtWith(`"Condition":{"StringEqual":{"a:sub":"x"}}`),
			`invalid policy at Statement[0].Condition: unknown condition operator "StringEqual" (IAM: "Invalid Condition type")`},
		{"condition operator in the wrong case", stmtWith(`"Condition":{"stringEquals":{"a:sub":"x"}}`),
			`invalid policy at Statement[0].Condition: unknown condition operator "stringEquals" (IAM: "Invalid Condition type")`},
		{"IfExists on Null", stmtWith(`"Condition":{"NullIfExists":{"a:sub":"true"}}`),
			`invalid policy at Statement[0].Condition: unknown condition operator "NullIfExists" (IAM: "Invalid Condition type")`},
		{"unknown set operator", stmtWith(`"Condition":{"ForSomeValues:StringEquals":{"a:sub":"x"}}`),
			`invalid policy at Statement[0].Condition: unknown condition operator "ForSomeValues:StringEquals" (IAM: "Invalid Condition type")`},
		{"StringLikeIgnoreCase is not an IAM operator", stmtWith(`"Condition":{"StringLikeIgnoreCase":{"a:sub":"x"}}`),
			`invalid policy at Statement[0].Condition: unknown condition operator "StringLikeIgnoreCase" (IAM: "Invalid Condition type")`},
		{"operator block as a string", stmtWith(`"Condition":{"StringEquals":"x"}`),
			`invalid policy at Statement[0].Condition.StringEquals: must be an object of condition keys, not a string`},
		{"condition key without a prefix", stmtWith(`"Condition":{"StringEquals":{"sub":"x"}}`),
			`invalid policy at Statement[0].Condition.StringEquals: condition key "sub" has no prefix such as "aws:" or the OIDC provider (IAM: "Actions/Conditions must be prefaced by a vendor")`},
		{"condition value as an object", stmtWith(`"Condition":{"StringEquals":{"a:sub":{"x":1}}}`),
			`invalid policy at Statement[0].Condition.StringEquals."a:sub": a condition value must be a string, number or boolean, not an object`},
		{"null in a condition value list", stmtWith(`"Condition":{"StringEquals":{"a:sub":["x",null]}}`),
			`invalid policy at Statement[0].Condition.StringEquals."a:sub"[1]: a condition value must be a string, number or boolean, not null`},
		{"error inside a document held in a JSON string", `"{\"Statement\":{}}"`, `invalid policy at Statement: missing Effect`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument(tt.in)
			if err == nil {
				t.Fatalf("ParseDocument succeeded with %d statements, want error %q", len(d.Statements), tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", got, tt.want)
			}
			var pe *policy.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error is %T, want *policy.ParseError", err)
			}
		})
	}
}

func TestParseDocumentModel(t *testing.T) {
	const raw = `{
  "Version": "2012-10-17",
  "Id": "trust",
  "Statement": [
    {
      "Sid": "AllowS3Reader",
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringLike": {"oidc.eks.us-west-2.amazonaws.com/id/ABC:sub": ["system:serviceaccount:payments:*", 7, true]},
        "ForAnyValue:StringEqualsIfExists": {"oidc.eks.us-west-2.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}
      }
    },
    {"Effect": "deny", "NotPrincipal": {"AWS": ["111122223333"], "Service": "pods.eks.amazonaws.com"}, "NotAction": "sts:TagSession", "NotResource": "arn:aws:iam::111122223333:role/x"}
  ]
}`
	want := &policy.Document{
		Raw:           raw,
		JSON:          raw,
		Version:       "2012-10-17",
		ID:            "trust",
		StatementList: true,
		Statements: []policy.Statement{
			{
				Index: 0, Path: "Statement[0]", Sid: "AllowS3Reader", Effect: policy.Allow, EffectText: "Allow",
				Principal: &policy.Principals{Entries: []policy.Principal{{Type: policy.PrincipalFederated, Value: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC"}}},
				Actions:   []string{"sts:AssumeRoleWithWebIdentity"},
				Conditions: []policy.Condition{
					{Operator: "StringLike", Base: "StringLike", Key: "oidc.eks.us-west-2.amazonaws.com/id/ABC:sub", Values: []string{"system:serviceaccount:payments:*", "7", "true"}},
					{Operator: "ForAnyValue:StringEqualsIfExists", Set: "ForAnyValue", Base: "StringEquals", IfExists: true, Key: "oidc.eks.us-west-2.amazonaws.com/id/ABC:aud", Values: []string{"sts.amazonaws.com"}},
				},
			},
			{
				Index: 1, Path: "Statement[1]", Effect: policy.Deny, EffectText: "deny",
				Principal: &policy.Principals{Entries: []policy.Principal{
					{Type: policy.PrincipalAWS, Value: "111122223333"},
					{Type: policy.PrincipalService, Value: "pods.eks.amazonaws.com"},
				}},
				NotPrincipal: true,
				Actions:      []string{"sts:TagSession"}, NotAction: true,
				Resources: []string{"arn:aws:iam::111122223333:role/x"}, NotResource: true, HasResource: true,
			},
		},
	}
	got, err := policy.ParseDocument(raw)
	if err != nil {
		t.Fatalf("ParseDocument: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseDocument mismatch (-want +got):\n%s", diff)
	}
}

func TestParseDocumentDecoding(t *testing.T) {
	const plain = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"a+b c"}}}}`
	tests := []struct {
		name string
		raw  string
	}{
		{"plain JSON", plain},
		// As GetRole returns it: RFC 3986 escapes, "+" as %2B, space as %20.
		{"RFC 3986 encoding", `%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22pods.eks.amazonaws.com%22%7D%2C%22Action%22%3A%5B%22sts%3AAssumeRole%22%2C%22sts%3ATagSession%22%5D%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22aws%3ARequestTag%2Fkubernetes-namespace%22%3A%22a%2Bb%20c%22%7D%7D%7D%7D`},
		// As java.net.URLEncoder writes it: space as "+".
		{"form encoding", `%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22pods.eks.amazonaws.com%22%7D%2C%22Action%22%3A%5B%22sts%3AAssumeRole%22%2C%22sts%3ATagSession%22%5D%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22aws%3ARequestTag%2Fkubernetes-namespace%22%3A%22a%2Bb+c%22%7D%7D%7D%7D`},
		{"lower-case escapes and surrounding space", "\n %7b%22Version%22%3a%222012-10-17%22%2c%22Statement%22%3a%7b%22Effect%22%3a%22Allow%22%2c%22Principal%22%3a%7b%22Service%22%3a%22pods.eks.amazonaws.com%22%7d%2c%22Action%22%3a%5b%22sts%3aAssumeRole%22%2c%22sts%3aTagSession%22%5d%2c%22Condition%22%3a%7b%22StringEquals%22%3a%7b%22aws%3aRequestTag%2fkubernetes-namespace%22%3a%22a%2bb%20c%22%7d%7d%7d%7d \n"},
		{"JSON string", `"` + strings.ReplaceAll(plain, `"`, `\"`) + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument(tt.raw)
			if err != nil {
				t.Fatalf("ParseDocument: %v", err)
			}
			if d.Raw != tt.raw {
				t.Errorf("Raw = %q, want the input unchanged", d.Raw)
			}
			if d.JSON != plain {
				t.Errorf("JSON =\n%s\nwant\n%s", d.JSON, plain)
			}
			if d.StatementList {
				t.Errorf("StatementList = true for a single statement object")
			}
			got := d.Statements[0].Conditions[0].Values
			if diff := cmp.Diff([]string{"a+b c"}, got); diff != "" {
				t.Errorf("condition values mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrustPolicyProblems(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []policy.ParseError
	}{
		{
			name: "eksctl trust policy",
			doc:  `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"p"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
		},
		{
			name: "Resource, NotPrincipal and a statement without principal",
			doc: `{"Statement":[
				{"Effect":"Allow","Principal":{"Federated":"p"},"Action":"sts:AssumeRoleWithWebIdentity","Resource":"*"},
				{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:*","NotResource":"x"},
				{"Effect":"Allow","Action":"sts:AssumeRole"}]}`,
			want: []policy.ParseError{
				{Path: "Statement[0].Resource", Msg: "a trust policy cannot have Resource"},
				{Path: "Statement[1].NotResource", Msg: "a trust policy cannot have NotResource"},
				{Path: "Statement[1].NotPrincipal", Msg: "a trust policy cannot use NotPrincipal"},
				{Path: "Statement[2]", Msg: "a trust policy statement must name a Principal"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument(tt.doc)
			if err != nil {
				t.Fatalf("ParseDocument: %v", err)
			}
			if diff := cmp.Diff(tt.want, d.TrustPolicyProblems()); diff != "" {
				t.Errorf("TrustPolicyProblems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStatementResults checks the per-statement detail a check uses to
// explain a near miss: every element is evaluated, with the values compared.
func TestStatementResults(t *testing.T) {
	d, err := policy.ParseDocument(expand(doc(
		`{"Sid":"OtherCluster","Effect":"Allow","Principal":{"Federated":"$OTHER"},"Action":"sts:AssumeRole"}`,
		stmt("ThisCluster", `{"StringEquals":{"$ISS:aud":"sts.amazonaws.com"},"StringLike":{"$ISS:sub":"system:serviceaccount:payments:web-*"}}`),
	)))
	if err != nil {
		t.Fatalf("ParseDocument: %v", err)
	}
	res := d.Evaluate(irsa())

	type row struct {
		Name      string
		Outcome   policy.Outcome
		Principal policy.Outcome
		Action    policy.Outcome
		Failures  []string
	}
	var got []row
	for i := range res.Statements {
		s := &res.Statements[i]
		got = append(got, row{s.Statement.Name(), s.Outcome, s.Principal.Outcome, s.Action.Outcome, s.Failures()})
	}
	want := []row{
		{`statement "OtherCluster"`, policy.NoMatch, policy.NoMatch, policy.NoMatch, []string{
			`trusts Federated "` + other + `"; the request comes from Federated "` + provider + `"`,
			`allows action "sts:AssumeRole"; the request is for "sts:AssumeRoleWithWebIdentity"`,
		}},
		{`statement "ThisCluster"`, policy.NoMatch, policy.Match, policy.Match, []string{
			`requires ` + issuer + `:sub StringLike "system:serviceaccount:payments:web-*"; the token has "system:serviceaccount:payments:api"`,
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statement results mismatch (-want +got):\n%s", diff)
	}

	wantConds := []policy.ConditionResult{
		{
			Condition: policy.Condition{Operator: "StringEquals", Base: "StringEquals", Key: issuer + ":aud", Values: []string{"sts.amazonaws.com"}},
			Actual:    []string{"sts.amazonaws.com"}, Outcome: policy.Match,
		},
		{
			Condition: policy.Condition{Operator: "StringLike", Base: "StringLike", Key: issuer + ":sub", Values: []string{"system:serviceaccount:payments:web-*"}},
			Actual:    []string{subject}, Outcome: policy.NoMatch,
			Why: `requires ` + issuer + `:sub StringLike "system:serviceaccount:payments:web-*"; the token has "system:serviceaccount:payments:api"`,
		},
	}
	if diff := cmp.Diff(wantConds, res.Statements[1].Conditions); diff != "" {
		t.Errorf("conditions mismatch (-want +got):\n%s", diff)
	}

	if c := res.Closest(); c == nil || c.Statement.Sid != "ThisCluster" {
		t.Errorf("Closest() = %v, want statement ThisCluster", c)
	}
	if res.Deciding != nil {
		t.Errorf("Deciding = %v for an implicit deny, want nil", res.Deciding.Statement.Name())
	}
	const wantExplain = `statement "ThisCluster" requires ` + issuer + `:sub StringLike "system:serviceaccount:payments:web-*"; the token has "system:serviceaccount:payments:api"`
	if got := res.Statements[1].Explain(); got != wantExplain {
		t.Errorf("StatementResult.Explain() =\n%s\nwant\n%s", got, wantExplain)
	}
}
