package awscollect

import (
	"context"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

const (
	invoices = "arn:aws:s3:::invoices/*"
	reports  = "arn:aws:s3:::reports/*"
	kmsKey   = "arn:aws:kms:us-west-2:" + acctA + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	noWrites = "arn:aws:iam::" + acctA + ":policy/no-writes"
)

// simWorld is world() with the simulator's answers for reader: the fake's
// own table, not internal/policy's evaluation, so that the decisions the
// collector maps are independent of the local ones.
func simWorld() awsfake.State {
	yes, no := true, false
	read := []awsfake.MatchedStatement{{SourcePolicyID: "read-objects", SourcePolicyType: "role", StartLine: 3, StartColumn: 17, EndLine: 9, EndColumn: 6}}
	deny := []awsfake.MatchedStatement{{SourcePolicyID: noWrites, SourcePolicyType: "user-managed"}}
	st := world()
	st.Simulations = []awsfake.Simulation{
		{PolicySourceARN: reader, Action: "s3:GetObject", Resource: invoices, Decision: "allowed", Statements: read, Boundary: &yes},
		{PolicySourceARN: reader, Action: "s3:PutObject", Resource: invoices, Decision: "explicitDeny", Statements: deny, Boundary: &no},
		{PolicySourceARN: reader, Action: "s3:GetObject", Resource: reports, Decision: "allowed", Statements: read, Boundary: &yes},
		{PolicySourceARN: reader, Action: "s3:PutObject", Resource: reports, Decision: "explicitDeny", Statements: deny, Boundary: &no},
		{PolicySourceARN: reader, Action: "sqs:SendMessage", Resource: "*", Decision: "implicitDeny", MissingContext: []string{"aws:SourceVpce"}},
		{PolicySourceARN: reader, Action: "kms:Decrypt", Resource: kmsKey, Decision: "allowed", MissingContext: []string{"kms:ViaService"},
			Statements: []awsfake.MatchedStatement{{SourcePolicyID: "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser", SourcePolicyType: "aws-managed"}}},
	}
	return st
}

func q(action, resource string) policy.Question {
	return policy.Question{Action: action, Resource: resource}
}

// simForms are the query parameters of the SimulatePrincipalPolicy calls,
// in order, without Action and Version.
func simForms(t *testing.T, f *awsfake.Fake) []url.Values {
	t.Helper()
	var out []url.Values
	for _, c := range f.Log() {
		if c.Action != "iam:SimulatePrincipalPolicy" {
			t.Errorf("called %s", c.Action)
			continue
		}
		if c.Form.Get("Action") != "SimulatePrincipalPolicy" || c.Form.Get("Version") != "2010-05-08" {
			t.Errorf("form %v", c.Form)
		}
		v := url.Values{}
		for k, vs := range c.Form {
			if k != "Action" && k != "Version" {
				v[k] = vs
			}
		}
		out = append(out, v)
	}
	return out
}

// TestSimulate: the questions of a role in as few calls as ask only what
// was asked (the resources asked with the same actions share a call; the
// questions without resource are a call without ResourceArns), every page
// read, and each answer mapped exactly: decision, statements with their
// positions, missing context keys (of a listed resource, read from
// ResourceSpecificResults, where IAM puts them), the boundary's decision.
// A pattern
// action is not sent, a repeated question is asked once.
func TestSimulate(t *testing.T) {
	st := simWorld()
	st.SimulationPage = 3 // the first call's 4 results come in 2 pages
	f := awsfake.New(t, st)
	questions := []policy.Question{
		q("s3:GetObject", invoices), q("s3:PutObject", invoices), q("sqs:SendMessage", ""), q("s3:GetObject", reports),
		q("s3:PutObject", reports), q("kms:Decrypt", kmsKey), q("s3:Get*", invoices), q("s3:GetObject", invoices),
	}
	res := Simulate(context.Background(), f.Config(), reader, questions)
	if res.Err != nil || len(res.Gaps) != 0 {
		t.Fatalf("err %v, gaps %+v", res.Err, res.Gaps)
	}
	wantForms := []url.Values{
		{"PolicySourceArn": {reader}, "ActionNames.member.1": {"s3:GetObject"}, "ActionNames.member.2": {"s3:PutObject"},
			"ResourceArns.member.1": {invoices}, "ResourceArns.member.2": {reports}},
		{"PolicySourceArn": {reader}, "ActionNames.member.1": {"s3:GetObject"}, "ActionNames.member.2": {"s3:PutObject"},
			"ResourceArns.member.1": {invoices}, "ResourceArns.member.2": {reports}, "Marker": {"3"}},
		{"PolicySourceArn": {reader}, "ActionNames.member.1": {"sqs:SendMessage"}},
		{"PolicySourceArn": {reader}, "ActionNames.member.1": {"kms:Decrypt"}, "ResourceArns.member.1": {kmsKey}},
	}
	if diff := cmp.Diff(wantForms, simForms(t, f)); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	yes, no := true, false
	read := []SimStatement{{PolicyID: "read-objects", PolicyType: "role", Start: &SimPosition{Line: 3, Column: 17}, End: &SimPosition{Line: 9, Column: 6}}}
	deny := []SimStatement{{PolicyID: noWrites, PolicyType: "user-managed"}}
	want := []SimAnswer{
		{Question: q("s3:GetObject", invoices), Decision: policy.Allowed, AWSDecision: "allowed", Statements: read, BoundaryAllows: &yes},
		{Question: q("s3:PutObject", invoices), Decision: policy.ExplicitDeny, AWSDecision: "explicitDeny", Statements: deny, BoundaryAllows: &no},
		{Question: q("sqs:SendMessage", ""), Decision: policy.ImplicitDeny, AWSDecision: "implicitDeny", MissingContext: []string{"aws:SourceVpce"}},
		{Question: q("s3:GetObject", reports), Decision: policy.Allowed, AWSDecision: "allowed", Statements: read, BoundaryAllows: &yes},
		{Question: q("s3:PutObject", reports), Decision: policy.ExplicitDeny, AWSDecision: "explicitDeny", Statements: deny, BoundaryAllows: &no},
		{Question: q("kms:Decrypt", kmsKey), Decision: policy.Allowed, AWSDecision: "allowed", MissingContext: []string{"kms:ViaService"},
			Statements: []SimStatement{{PolicyID: "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser", PolicyType: "aws-managed"}}},
		{Question: q("s3:Get*", invoices),
			Reason: "not simulated: the simulator evaluates named actions, not a pattern; ask about one action (s3:GetObject, not s3:Get*)"},
	}
	if diff := cmp.Diff(want, res.Answers); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if len(res.Captures) != 1 || res.Captures[0].Path != acctA+"/simulate-principal-policy-payments-s3-reader.json" ||
		res.Captures[0].Source != (snapshot.Source{Kind: "aws", Ref: "iam:SimulatePrincipalPolicy"}) {
		t.Errorf("captures %+v", res.Captures)
	}
}

// The capture is the CLI's JSON: members in the model's order, empty
// lists as [], positions as objects.
func TestSimulateCapture(t *testing.T) {
	f := awsfake.New(t, simWorld())
	res := Simulate(context.Background(), f.Config(), reader, []policy.Question{q("s3:GetObject", invoices), q("sqs:SendMessage", "")})
	want := `{
    "EvaluationResults": [
        {
            "EvalActionName": "s3:GetObject",
            "EvalResourceName": "arn:aws:s3:::invoices/*",
            "EvalDecision": "allowed",
            "MatchedStatements": [
                {
                    "SourcePolicyId": "read-objects",
                    "SourcePolicyType": "role",
                    "StartPosition": {
                        "Line": 3,
                        "Column": 17
                    },
                    "EndPosition": {
                        "Line": 9,
                        "Column": 6
                    }
                }
            ],
            "MissingContextValues": [],
            "PermissionsBoundaryDecisionDetail": {
                "AllowedByPermissionsBoundary": true
            },
            "ResourceSpecificResults": [
                {
                    "EvalResourceName": "arn:aws:s3:::invoices/*",
                    "EvalResourceDecision": "allowed",
                    "MatchedStatements": [
                        {
                            "SourcePolicyId": "read-objects",
                            "SourcePolicyType": "role",
                            "StartPosition": {
                                "Line": 3,
                                "Column": 17
                            },
                            "EndPosition": {
                                "Line": 9,
                                "Column": 6
                            }
                        }
                    ],
                    "MissingContextValues": [],
                    "PermissionsBoundaryDecisionDetail": {
                        "AllowedByPermissionsBoundary": true
                    }
                }
            ]
        },
        {
            "EvalActionName": "sqs:SendMessage",
            "EvalResourceName": "*",
            "EvalDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": [
                "aws:SourceVpce"
            ],
            "ResourceSpecificResults": [
                {
                    "EvalResourceName": "*",
                    "EvalResourceDecision": "implicitDeny",
                    "MatchedStatements": [],
                    "MissingContextValues": [
                        "aws:SourceVpce"
                    ]
                }
            ]
        }
    ]
}
`
	if len(res.Captures) != 1 {
		t.Fatalf("captures %+v, gaps %+v", res.Captures, res.Gaps)
	}
	if diff := cmp.Diff(want, string(res.Captures[0].Data)); diff != "" {
		t.Errorf("capture (-want +got):\n%s", diff)
	}
}

// A refused simulation is one call and one gap naming the optional
// statement; no question is answered, each says why. A role that does
// not exist is the result's error, not a gap.
func TestSimulateFailures(t *testing.T) {
	questions := []policy.Question{q("s3:GetObject", invoices), q("sqs:SendMessage", "")}
	t.Run("refused", func(t *testing.T) {
		f := awsfake.New(t, simWorld())
		f.Deny("iam:SimulatePrincipalPolicy", reader)
		res := Simulate(context.Background(), f.Config(), reader, questions)
		reason := "AccessDenied: User: " + callerARN + " is not authorized to perform: iam:SimulatePrincipalPolicy on resource: " + reader +
			" because no identity-based policy allows the iam:SimulatePrincipalPolicy action (grant iam:SimulatePrincipalPolicy on " + reader +
			": the optional statement IrsaDoctorSimulateOptional of deploy/iam-policy.json)"
		wantGaps := []snapshot.Gap{{Source: "aws", Operation: "iam:SimulatePrincipalPolicy", Resource: reader, Reason: reason}}
		if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		want := []SimAnswer{{Question: questions[0], Reason: "not simulated: " + reason}, {Question: questions[1], Reason: "not simulated: " + reason}}
		if diff := cmp.Diff(want, res.Answers); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
		if n := f.Count("iam:SimulatePrincipalPolicy"); n != 1 || res.Err != nil || res.Captures != nil {
			t.Errorf("%d calls (want 1), err %v, captures %+v", n, res.Err, res.Captures)
		}
	})
	t.Run("no such role", func(t *testing.T) {
		f := awsfake.New(t, simWorld())
		gone := "arn:aws:iam::" + acctA + ":role/gone"
		res := Simulate(context.Background(), f.Config(), gone, questions)
		if res.Err == nil || res.Err.Error() != "role "+gone+" does not exist (NoSuchEntity: The role with name gone cannot be found.)" {
			t.Errorf("err %v", res.Err)
		}
		want := []SimAnswer{{Question: questions[0], Reason: "not simulated: the role does not exist"},
			{Question: questions[1], Reason: "not simulated: the role does not exist"}}
		if diff := cmp.Diff(want, res.Answers); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
		if n := f.Count("iam:SimulatePrincipalPolicy"); n != 1 || res.Gaps != nil || res.Captures != nil {
			t.Errorf("%d calls (want 1), gaps %+v, captures %+v", n, res.Gaps, res.Captures)
		}
	})
	t.Run("throttled then answered", func(t *testing.T) {
		f := awsfake.New(t, simWorld())
		f.Throttle("iam:SimulatePrincipalPolicy", 1)
		res := Simulate(context.Background(), f.Config(), reader, questions[:1])
		if len(res.Answers) != 1 || res.Answers[0].Decision != policy.Allowed || res.Gaps != nil {
			t.Errorf("answers %+v, gaps %+v", res.Answers, res.Gaps)
		}
		if n, qn := f.Count("iam:SimulatePrincipalPolicy"), f.Queries("iam:SimulatePrincipalPolicy"); n != 2 || qn != 1 {
			t.Errorf("%d calls and %d queries, want 2 and 1", n, qn)
		}
	})
}
