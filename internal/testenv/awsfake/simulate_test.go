package awsfake

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The SDK's own client reads the fake's SimulatePrincipalPolicy: every
// element of EvaluationResult decoded into the SDK's types, one result per
// action and resource (the missing context values of a listed resource in
// ResourceSpecificResults alone, as IAM puts them), pages by MaxItems and
// Marker, and its errors as the
// typed exceptions of the IAM query protocol.
func TestSimulatePrincipalPolicyWire(t *testing.T) {
	const bucket = "arn:aws:s3:::invoices/*"
	yes, no := true, false
	st := world()
	st.Simulations = []Simulation{
		{PolicySourceARN: roleARN, Action: "s3:GetObject", Resource: bucket, Decision: "allowed",
			Statements: []MatchedStatement{{SourcePolicyID: "read-invoices", SourcePolicyType: "role", StartLine: 3, StartColumn: 17, EndLine: 9, EndColumn: 6}},
			Boundary:   &yes},
		{PolicySourceARN: roleARN, Action: "s3:PutObject", Resource: bucket, Decision: "explicitDeny", MissingContext: []string{"s3:x-amz-acl"},
			Statements: []MatchedStatement{{SourcePolicyID: "arn:aws:iam::111122223333:policy/no-writes", SourcePolicyType: "user-managed"}},
			Boundary:   &no},
		{PolicySourceARN: roleARN, Action: "sqs:SendMessage", Resource: "*", Decision: "implicitDeny",
			MissingContext: []string{"aws:SourceVpce", "aws:PrincipalTag/team"}},
	}
	f := New(t, st)
	c := iam.NewFromConfig(f.Config())
	ctx := context.Background()

	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(roleARN), ActionNames: []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns: []string{bucket}, MaxItems: aws.Int32(1)}
	var got []iamtypes.EvaluationResult
	pages := 0
	for p := iam.NewSimulatePrincipalPolicyPaginator(c, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.EvaluationResults...)
	}
	stmt := func(id string, typ iamtypes.PolicySourceType, pos ...int32) iamtypes.Statement {
		s := iamtypes.Statement{SourcePolicyId: aws.String(id), SourcePolicyType: typ}
		if len(pos) == 4 {
			s.StartPosition = &iamtypes.Position{Line: pos[0], Column: pos[1]}
			s.EndPosition = &iamtypes.Position{Line: pos[2], Column: pos[3]}
		}
		return s
	}
	read := []iamtypes.Statement{stmt("read-invoices", iamtypes.PolicySourceTypeRole, 3, 17, 9, 6)}
	deny := []iamtypes.Statement{stmt("arn:aws:iam::111122223333:policy/no-writes", iamtypes.PolicySourceTypeUserManaged)}
	want := []iamtypes.EvaluationResult{
		{EvalActionName: aws.String("s3:GetObject"), EvalResourceName: aws.String(bucket), EvalDecision: iamtypes.PolicyEvaluationDecisionTypeAllowed,
			MatchedStatements: read, PermissionsBoundaryDecisionDetail: &iamtypes.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: true},
			ResourceSpecificResults: []iamtypes.ResourceSpecificResult{{EvalResourceName: aws.String(bucket), EvalResourceDecision: iamtypes.PolicyEvaluationDecisionTypeAllowed,
				MatchedStatements: read, PermissionsBoundaryDecisionDetail: &iamtypes.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: true}}}},
		{EvalActionName: aws.String("s3:PutObject"), EvalResourceName: aws.String(bucket), EvalDecision: iamtypes.PolicyEvaluationDecisionTypeExplicitDeny,
			MatchedStatements: deny, PermissionsBoundaryDecisionDetail: &iamtypes.PermissionsBoundaryDecisionDetail{},
			ResourceSpecificResults: []iamtypes.ResourceSpecificResult{{EvalResourceName: aws.String(bucket), EvalResourceDecision: iamtypes.PolicyEvaluationDecisionTypeExplicitDeny,
				MatchedStatements: deny, MissingContextValues: []string{"s3:x-amz-acl"}, PermissionsBoundaryDecisionDetail: &iamtypes.PermissionsBoundaryDecisionDetail{}}}},
	}
	opts := cmp.Options{cmpopts.IgnoreUnexported(iamtypes.EvaluationResult{}, iamtypes.Statement{}, iamtypes.Position{},
		iamtypes.PermissionsBoundaryDecisionDetail{}, iamtypes.ResourceSpecificResult{}), cmpopts.EquateEmpty()}
	if pages != 2 || !cmp.Equal(want, got, opts) {
		t.Errorf("%d pages (want 2), results (-want +got):\n%s", pages, cmp.Diff(want, got, opts))
	}
	// The second call carried the first page's Marker and the form as AWS
	// documents it.
	log := f.Log()
	if len(log) != 2 {
		t.Fatalf("calls %+v, want 2", log)
	}
	wantForm := map[string]string{"Action": "SimulatePrincipalPolicy", "Version": "2010-05-08", "PolicySourceArn": roleARN,
		"ActionNames.member.1": "s3:GetObject", "ActionNames.member.2": "s3:PutObject", "ResourceArns.member.1": bucket, "MaxItems": "1", "Marker": "1"}
	gotForm := map[string]string{}
	for k, v := range log[1].Form {
		gotForm[k] = v[0]
	}
	if diff := cmp.Diff(wantForm, gotForm); diff != "" {
		t.Errorf("second call's form (-want +got):\n%s", diff)
	}
	if log[0].Action != "iam:SimulatePrincipalPolicy" || log[0].Resource != roleARN || log[0].Form.Has("Marker") {
		t.Errorf("first call %+v", log[0])
	}

	// No ResourceArns: the resource "*"; missing context values, no
	// boundary detail.
	out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(roleARN), ActionNames: []string{"sqs:SendMessage"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 1 || out.IsTruncated || out.Marker != nil {
		t.Fatalf("out %+v", out)
	}
	r := out.EvaluationResults[0]
	if aws.ToString(r.EvalResourceName) != "*" || r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny ||
		!cmp.Equal(r.MissingContextValues, []string{"aws:SourceVpce", "aws:PrincipalTag/team"}) || len(r.MatchedStatements) != 0 || r.PermissionsBoundaryDecisionDetail != nil {
		t.Errorf("result %+v", r)
	}

	// Errors, typed.
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::111122223333:role/gone"), ActionNames: []string{"s3:GetObject"}})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorMessage() != "The role with name gone cannot be found." {
		t.Errorf("missing role: %v, want NoSuchEntityException", err)
	}
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("not-an-arn"), ActionNames: []string{"s3:GetObject"}})
	var inv *iamtypes.InvalidInputException
	if !errors.As(err, &inv) {
		t.Errorf("bad ARN: %v, want InvalidInputException", err)
	}
	f.Deny("iam:SimulatePrincipalPolicy", roleARN)
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(roleARN), ActionNames: []string{"s3:GetObject"}})
	code, msg, status := apiErr(t, err)
	if code != "AccessDenied" || status != 403 || msg != "User: arn:aws:sts::111122223333:assumed-role/ReadOnly/alice is not authorized to perform: iam:SimulatePrincipalPolicy on resource: "+roleARN+
		" because no identity-based policy allows the iam:SimulatePrincipalPolicy action" {
		t.Errorf("denied: %s %d %q", code, status, msg)
	}
}

// A pair the table lacks fails the test (checked here on a stand-in) and
// is answered 500, never a decision nobody wrote.
func TestSimulateUnknownPairFails(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := New(rec, world())
	c := iam.NewFromConfig(f.Config(), func(o *iam.Options) { o.RetryMaxAttempts = 1 })
	_, err := c.SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(roleARN), ActionNames: []string{"s3:GetObject"}})
	if code, _, status := apiErr(t, err); code != "ServiceFailure" || status != 500 {
		t.Errorf("answered %s %d, want ServiceFailure 500", code, status)
	}
	want := []string{"awsfake: no simulation for " + roleARN + " of s3:GetObject on *: add it to State.Simulations"}
	if !cmp.Equal(want, rec.errors) {
		t.Errorf("test errors %q, want %q", rec.errors, want)
	}
}

// recordingTB keeps the errors reported through it instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
