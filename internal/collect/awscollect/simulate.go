package awscollect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	smithy "github.com/aws/smithy-go"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The live cross-check (`scan --simulate`, opt-in; issue 13): IAM's policy
// simulator, iam:SimulatePrincipalPolicy, asked the same questions
// (ACTION[=RESOURCE]) that irsa-doctor answers locally from the role's
// policies, so that a disagreement can be reported. This file only asks
// and maps the answers; comparing them with the local decision is the
// caller's.
//
// Calls: SimulatePrincipalPolicy evaluates every action of ActionNames on
// every resource of ResourceArns. The questions of a role are grouped by
// resource, and the resources asked with exactly the same actions share
// one call: every pair a call evaluates is a pair asked, no call more
// than needed for that (a role's questions about one resource, or about
// several resources with the same actions, are one call). Questions
// without a resource are one call without ResourceArns (the simulator then
// uses "*"). Each call is paged (IsTruncated, Marker) to the end.
//
// A question whose action holds a wildcard is not sent: the simulator is
// asked about named actions (IAM API reference, SimulatePrincipalPolicy
// ActionNames: "A list of names of API operations to evaluate"); its
// answer says so.

// SimulatePolicySid names the optional statement of deploy/iam-policy.json
// that grants iam:SimulatePrincipalPolicy.
const SimulatePolicySid = "IrsaDoctorSimulateOptional"

// SimulateResult is what the simulator said about one role's questions.
type SimulateResult struct {
	RoleARN string
	// Answers are one per distinct question, in the order first asked.
	Answers []SimAnswer
	// Captures is the simulator's output as `aws iam simulate-principal-policy
	// --output json` prints it (the results of every call, in order), for
	// dump; none when no call answered.
	Captures []bundle.Capture
	// Gaps are the refused or failed calls (AccessDenied names the
	// optional statement to grant).
	Gaps []snapshot.Gap
	// Err is set when the role does not exist (NoSuchEntity): no question
	// was answered.
	Err error
}

// SimAnswer is the simulator's answer to one question.
type SimAnswer struct {
	Question policy.Question
	// Decision is the simulator's decision in the project's terms (allow,
	// implicit-deny, explicit-deny); "" when not answered (Reason says
	// why), policy.Unknown for a decision IAM has added since.
	Decision policy.Decision
	// AWSDecision is the decision as IAM wrote it: allowed, implicitDeny,
	// explicitDeny.
	AWSDecision string
	// Statements are the statements IAM names as deciding
	// (MatchedStatements); for an explicit deny, the deny alone.
	Statements []SimStatement
	// MissingContext are the context keys the policies test that the
	// simulation was not given (MissingContextValues): a decision that
	// depends on them is the simulator's guess.
	MissingContext []string
	// BoundaryAllows is PermissionsBoundaryDecisionDetail's
	// AllowedByPermissionsBoundary; nil when IAM said nothing of a
	// boundary.
	BoundaryAllows *bool
	// Reason says why the question has no answer.
	Reason string
}

// SimStatement is a deciding statement: the policy it is in, and where.
type SimStatement struct {
	PolicyID   string // SourcePolicyId: an inline policy's name, a managed policy's ARN or name
	PolicyType string // SourcePolicyType: role, aws-managed, user-managed, resource, none, ...
	Start, End *SimPosition
}

// SimPosition is a line and column in a policy document.
type SimPosition struct{ Line, Column int }

// SimulateCapturePath is the capture of a role's simulations.
func SimulateCapturePath(roleARN string) string {
	ref, err := arn.ParseRole(roleARN)
	if err != nil {
		return "simulate-principal-policy-" + fileSafe(roleARN) + ".json"
	}
	return ref.Account + "/simulate-principal-policy-" + fileSafe(ref.Name) + ".json"
}

// SimulateCommand is the AWS CLI command of one call.
func SimulateCommand(roleARN string, actions, resources []string) string {
	cmd := "aws iam simulate-principal-policy --policy-source-arn " + roleARN + " --action-names " + strings.Join(actions, " ")
	if len(resources) > 0 {
		cmd += " --resource-arns " + strings.Join(resources, " ")
	}
	return cmd + " --output json"
}

// simCall is one SimulatePrincipalPolicy call: actions on resources (none:
// "*").
type simCall struct {
	actions, resources []string
}

// simCalls groups the questions into calls (see the top of the file).
func simCalls(qs []policy.Question) []simCall {
	var order []string // resources in order of first appearance
	actions := map[string][]string{}
	for _, q := range qs {
		if _, ok := actions[q.Resource]; !ok {
			order = append(order, q.Resource)
		}
		if !contains(actions[q.Resource], q.Action) {
			actions[q.Resource] = append(actions[q.Resource], q.Action)
		}
	}
	var calls []simCall
	byActions := map[string]int{}
	for _, r := range order {
		if r == "" {
			calls = append(calls, simCall{actions: actions[r]})
			continue
		}
		key := strings.Join(actions[r], "\x00")
		if i, ok := byActions[key]; ok {
			calls[i].resources = append(calls[i].resources, r)
			continue
		}
		byActions[key] = len(calls)
		calls = append(calls, simCall{actions: actions[r], resources: []string{r}})
	}
	return calls
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Simulate asks IAM's policy simulator about roleARN's questions, with
// the credentials of cfg (which must be of the role's account: IAM
// simulates the entities of the caller's account). A refused or failed
// call is a gap, never an error; a role that does not exist is Err.
func Simulate(ctx context.Context, cfg aws.Config, roleARN string, questions []policy.Question) SimulateResult {
	res := SimulateResult{RoleARN: roleARN}
	index := map[policy.Question]int{}
	var asked []policy.Question
	for _, q := range questions {
		if _, ok := index[q]; ok {
			continue
		}
		index[q] = len(res.Answers)
		a := SimAnswer{Question: q}
		if strings.ContainsAny(q.Action, "*?") {
			a.Reason = "not simulated: the simulator evaluates named actions, not a pattern; ask about one action (s3:GetObject, not s3:Get*)"
		} else {
			asked = append(asked, q)
		}
		res.Answers = append(res.Answers, a)
	}
	client := iam.NewFromConfig(cfg)
	type pair struct{ action, resource string }
	results := map[pair]simEntry{}
	var all []iamtypes.EvaluationResult
	failed := map[pair]string{}
	for _, call := range simCalls(asked) {
		if ctx.Err() != nil {
			break
		}
		got, err := simulateCall(ctx, client, roleARN, call)
		all = append(all, got...)
		for _, r := range got {
			action := aws.ToString(r.EvalActionName)
			for _, rr := range r.ResourceSpecificResults {
				e := simEntry{decision: rr.EvalResourceDecision, statements: rr.MatchedStatements, missing: rr.MissingContextValues,
					boundary: rr.PermissionsBoundaryDecisionDetail}
				if e.boundary == nil {
					e.boundary = r.PermissionsBoundaryDecisionDetail
				}
				results[pair{action, aws.ToString(rr.EvalResourceName)}] = e
			}
			p := pair{action, aws.ToString(r.EvalResourceName)}
			if _, ok := results[p]; !ok {
				results[p] = simEntry{decision: r.EvalDecision, statements: r.MatchedStatements, missing: r.MissingContextValues,
					boundary: r.PermissionsBoundaryDecisionDetail}
			}
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity" {
			res.Err = fmt.Errorf("role %s does not exist (NoSuchEntity: %s)", roleARN, ae.ErrorMessage())
			for i := range res.Answers {
				if res.Answers[i].Reason == "" {
					res.Answers[i].Reason = "not simulated: the role does not exist"
				}
			}
			return res
		}
		g := simulateGap(err, roleARN, call)
		res.Gaps = append(res.Gaps, g)
		for _, a := range call.actions {
			for _, r := range resourcesOrStar(call.resources) {
				failed[pair{a, r}] = g.Reason
			}
		}
		if errors.As(err, &ae) && deniedCodes[ae.ErrorCode()] {
			// Every other call would be refused the same way.
			for _, rest := range simCalls(asked) {
				for _, a := range rest.actions {
					for _, r := range resourcesOrStar(rest.resources) {
						if _, ok := failed[pair{a, r}]; !ok {
							failed[pair{a, r}] = g.Reason
						}
					}
				}
			}
			break
		}
	}
	for i := range res.Answers {
		a := &res.Answers[i]
		if a.Reason != "" {
			continue
		}
		p := pair{a.Question.Action, a.Question.Resource}
		if p.resource == "" {
			p.resource = "*"
		}
		r, ok := results[p]
		switch {
		case ok:
			fillAnswer(a, r)
		case failed[p] != "":
			a.Reason = "not simulated: " + failed[p]
		case ctx.Err() != nil:
			a.Reason = "not simulated: " + ctx.Err().Error()
		default:
			a.Reason = "the simulator returned no result for it"
		}
	}
	if len(all) > 0 {
		data, err := renderSimulate(all)
		if err != nil {
			res.Gaps = append(res.Gaps, snapshot.Gap{Source: "aws", Operation: "iam:SimulatePrincipalPolicy", Resource: roleARN, Reason: err.Error()})
		} else {
			res.Captures = append(res.Captures, bundle.Capture{Path: SimulateCapturePath(roleARN), Data: data,
				Source: snapshot.Source{Kind: "aws", Ref: "iam:SimulatePrincipalPolicy"}})
		}
	}
	return res
}

func resourcesOrStar(rs []string) []string {
	if len(rs) == 0 {
		return []string{"*"}
	}
	return rs
}

// simulateCall makes one call, every page; it returns the results read
// before an error too.
func simulateCall(ctx context.Context, client *iam.Client, roleARN string, call simCall) ([]iamtypes.EvaluationResult, error) {
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(roleARN), ActionNames: call.actions, ResourceArns: call.resources}
	var out []iamtypes.EvaluationResult
	for p := iam.NewSimulatePrincipalPolicyPaginator(client, in); p.HasMorePages(); {
		cctx, cancel := context.WithTimeout(ctx, DefaultCallTimeout)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				err = &timeoutError{after: DefaultCallTimeout, err: err}
			}
			return out, err
		}
		out = append(out, page.EvaluationResults...)
	}
	return out, nil
}

// simulateGap says why a call failed and what to do.
func simulateGap(err error, roleARN string, call simCall) snapshot.Gap {
	g := snapshot.Gap{Source: "aws", Operation: "iam:SimulatePrincipalPolicy", Resource: roleARN}
	cmd := SimulateCommand(roleARN, call.actions, call.resources)
	grant := "grant iam:SimulatePrincipalPolicy on " + roleARN + ": the optional statement " + SimulatePolicySid + " of deploy/iam-policy.json"
	var ae smithy.APIError
	var te *timeoutError
	switch {
	case errors.As(err, &ae):
		g.Reason = fmt.Sprintf("%s: %s (%s)", ae.ErrorCode(), ae.ErrorMessage(), hint(err, ae.ErrorCode(), grant, cmd))
	case errors.As(err, &te):
		g.Reason = fmt.Sprintf("timed out after %s (run again, or capture it with `%s`)", te.after, cmd)
	default:
		g.Reason = fmt.Sprintf("request failed: %v (capture it with `%s`)", err, cmd)
	}
	return g
}

// simEntry is the simulator's answer for one action on one resource:
// from the ResourceSpecificResults entry of the resource when there is
// one (where IAM puts the missing context values of a listed resource),
// else from the EvaluationResult itself. Either shape of answer is read:
// a result per action and resource, or per action with an entry per
// resource.
type simEntry struct {
	decision   iamtypes.PolicyEvaluationDecisionType
	statements []iamtypes.Statement
	missing    []string
	boundary   *iamtypes.PermissionsBoundaryDecisionDetail
}

func fillAnswer(a *SimAnswer, r simEntry) {
	a.AWSDecision = string(r.decision)
	switch r.decision {
	case iamtypes.PolicyEvaluationDecisionTypeAllowed:
		a.Decision = policy.Allowed
	case iamtypes.PolicyEvaluationDecisionTypeImplicitDeny:
		a.Decision = policy.ImplicitDeny
	case iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
		a.Decision = policy.ExplicitDeny
	default:
		a.Decision = policy.Unknown
	}
	for _, s := range r.statements {
		a.Statements = append(a.Statements, SimStatement{PolicyID: aws.ToString(s.SourcePolicyId), PolicyType: string(s.SourcePolicyType),
			Start: simPosition(s.StartPosition), End: simPosition(s.EndPosition)})
	}
	a.MissingContext = append([]string(nil), r.missing...)
	if d := r.boundary; d != nil {
		allowed := d.AllowedByPermissionsBoundary
		a.BoundaryAllows = &allowed
	}
}

func simPosition(p *iamtypes.Position) *SimPosition {
	if p == nil {
		return nil
	}
	return &SimPosition{Line: int(p.Line), Column: int(p.Column)}
}

// --- iam simulate-principal-policy ---
//
// The CLI pages to the end and prints the merged EvaluationResults alone
// (botocore's build_full_result keeps the result key; IsTruncated and
// Marker are the paginator's). MatchedStatements and MissingContextValues
// are always present in IAM's answer, [] when empty (AWS CLI reference,
// simulate-principal-policy example).

type cliPosition struct {
	Line   int32 `json:"Line"`
	Column int32 `json:"Column"`
}

type cliStatement struct {
	SourcePolicyID   *string      `json:"SourcePolicyId,omitzero"`
	SourcePolicyType string       `json:"SourcePolicyType,omitzero"`
	StartPosition    *cliPosition `json:"StartPosition,omitzero"`
	EndPosition      *cliPosition `json:"EndPosition,omitzero"`
}

type cliAllowedByBoundary struct {
	AllowedByPermissionsBoundary bool `json:"AllowedByPermissionsBoundary"`
}

type cliAllowedByOrganizations struct {
	AllowedByOrganizations bool `json:"AllowedByOrganizations"`
}

type cliResourceResult struct {
	EvalResourceName                  *string               `json:"EvalResourceName,omitzero"`
	EvalResourceDecision              string                `json:"EvalResourceDecision,omitzero"`
	MatchedStatements                 []cliStatement        `json:"MatchedStatements"`
	MissingContextValues              []string              `json:"MissingContextValues"`
	EvalDecisionDetails               map[string]string     `json:"EvalDecisionDetails,omitzero"`
	PermissionsBoundaryDecisionDetail *cliAllowedByBoundary `json:"PermissionsBoundaryDecisionDetail,omitzero"`
}

type cliEvaluationResult struct {
	EvalActionName                    *string                    `json:"EvalActionName,omitzero"`
	EvalResourceName                  *string                    `json:"EvalResourceName,omitzero"`
	EvalDecision                      string                     `json:"EvalDecision,omitzero"`
	MatchedStatements                 []cliStatement             `json:"MatchedStatements"`
	MissingContextValues              []string                   `json:"MissingContextValues"`
	OrganizationsDecisionDetail       *cliAllowedByOrganizations `json:"OrganizationsDecisionDetail,omitzero"`
	PermissionsBoundaryDecisionDetail *cliAllowedByBoundary      `json:"PermissionsBoundaryDecisionDetail,omitzero"`
	EvalDecisionDetails               map[string]string          `json:"EvalDecisionDetails,omitzero"`
	ResourceSpecificResults           []cliResourceResult        `json:"ResourceSpecificResults,omitzero"`
}

func cliStatements(in []iamtypes.Statement) []cliStatement {
	out := []cliStatement{}
	for _, s := range in {
		c := cliStatement{SourcePolicyID: s.SourcePolicyId, SourcePolicyType: string(s.SourcePolicyType)}
		if p := s.StartPosition; p != nil {
			c.StartPosition = &cliPosition{Line: p.Line, Column: p.Column}
		}
		if p := s.EndPosition; p != nil {
			c.EndPosition = &cliPosition{Line: p.Line, Column: p.Column}
		}
		out = append(out, c)
	}
	return out
}

func cliDetails(in map[string]iamtypes.PolicyEvaluationDecisionType) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = string(v)
	}
	return out
}

func cliBoundary(d *iamtypes.PermissionsBoundaryDecisionDetail) *cliAllowedByBoundary {
	if d == nil {
		return nil
	}
	return &cliAllowedByBoundary{AllowedByPermissionsBoundary: d.AllowedByPermissionsBoundary}
}

func renderSimulate(results []iamtypes.EvaluationResult) ([]byte, error) {
	out := struct {
		EvaluationResults []cliEvaluationResult `json:"EvaluationResults"`
	}{EvaluationResults: []cliEvaluationResult{}}
	for _, r := range results {
		c := cliEvaluationResult{EvalActionName: r.EvalActionName, EvalResourceName: r.EvalResourceName, EvalDecision: string(r.EvalDecision),
			MatchedStatements: cliStatements(r.MatchedStatements), MissingContextValues: append([]string{}, r.MissingContextValues...),
			PermissionsBoundaryDecisionDetail: cliBoundary(r.PermissionsBoundaryDecisionDetail), EvalDecisionDetails: cliDetails(r.EvalDecisionDetails)}
		if d := r.OrganizationsDecisionDetail; d != nil {
			c.OrganizationsDecisionDetail = &cliAllowedByOrganizations{AllowedByOrganizations: d.AllowedByOrganizations}
		}
		for _, rr := range r.ResourceSpecificResults {
			c.ResourceSpecificResults = append(c.ResourceSpecificResults, cliResourceResult{EvalResourceName: rr.EvalResourceName,
				EvalResourceDecision: string(rr.EvalResourceDecision), MatchedStatements: cliStatements(rr.MatchedStatements),
				MissingContextValues: append([]string{}, rr.MissingContextValues...), EvalDecisionDetails: cliDetails(rr.EvalDecisionDetails),
				PermissionsBoundaryDecisionDetail: cliBoundary(rr.PermissionsBoundaryDecisionDetail)})
		}
		out.EvaluationResults = append(out.EvaluationResults, c)
	}
	// EvalDecisionDetails is a map: its keys are sorted, so that a capture
	// is the same bytes every time (the CLI keeps IAM's order).
	b, err := json.Marshal(out, jsontext.WithIndent("    "), json.Deterministic(true))
	if err != nil {
		return nil, fmt.Errorf("render capture: %w", err)
	}
	return append(b, '\n'), nil
}
