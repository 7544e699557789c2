package awsfake

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// iam:SimulatePrincipalPolicy (IAM API reference, SimulatePrincipalPolicy
// and EvaluationResult), the live cross-check of `--simulate`. The fake
// does not evaluate policies: it answers from State.Simulations, a table
// each test writes, so that a test comparing the simulator's decision
// with internal/policy's compares two independent answers. A pair of
// action and resource the table lacks fails the test and is answered 500:
// no test passes by an answer nobody wrote.
//
// Every action is simulated on every resource of ResourceArns (none: the
// resource "*"), one EvaluationResult per pair, action by action in the
// order asked, each with its EvalResourceName and one
// ResourceSpecificResults entry for that resource. The results are paged
// by MaxItems (default 100) and State.SimulationPage, with IsTruncated and
// an opaque Marker.

// Simulation is the simulator's answer for one action on one resource of
// one policy source (a role).
type Simulation struct {
	PolicySourceARN string
	Action          string // as asked: "s3:GetObject"
	Resource        string // an ARN as asked; "*" for a call without ResourceArns
	// Decision is IAM's: "allowed", "implicitDeny" or "explicitDeny".
	Decision   string
	Statements []MatchedStatement
	// MissingContext are the context keys the policies use that the
	// request did not give (MissingContextValues).
	MissingContext []string
	// Boundary is AllowedByPermissionsBoundary; nil leaves out
	// PermissionsBoundaryDecisionDetail (a role without a boundary).
	Boundary *bool
}

// MatchedStatement is a statement the simulator names as deciding.
type MatchedStatement struct {
	SourcePolicyID   string // the policy's name, or its ARN for a managed policy
	SourcePolicyType string // "role", "aws-managed", "user-managed", "resource", "none", ...
	// StartLine and StartColumn, EndLine and EndColumn locate the
	// statement in the policy; 0 leaves the position out.
	StartLine, StartColumn, EndLine, EndColumn int32
}

type xmlPosition struct {
	Line   int32 `xml:"Line"`
	Column int32 `xml:"Column"`
}

type xmlStatement struct {
	SourcePolicyID   string       `xml:"SourcePolicyId,omitempty"`
	SourcePolicyType string       `xml:"SourcePolicyType,omitempty"`
	StartPosition    *xmlPosition `xml:"StartPosition,omitempty"`
	EndPosition      *xmlPosition `xml:"EndPosition,omitempty"`
}

type xmlStatements struct {
	Member []xmlStatement `xml:"member"`
}

type xmlBoundaryDetail struct {
	Allowed bool `xml:"AllowedByPermissionsBoundary"`
}

type xmlResourceResult struct {
	EvalResourceName     string             `xml:"EvalResourceName"`
	EvalResourceDecision string             `xml:"EvalResourceDecision"`
	MatchedStatements    xmlStatements      `xml:"MatchedStatements"`
	MissingContextValues members            `xml:"MissingContextValues"`
	Boundary             *xmlBoundaryDetail `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
}

type xmlEvaluationResult struct {
	EvalActionName          string             `xml:"EvalActionName"`
	EvalResourceName        string             `xml:"EvalResourceName"`
	EvalDecision            string             `xml:"EvalDecision"`
	MatchedStatements       xmlStatements      `xml:"MatchedStatements"`
	MissingContextValues    members            `xml:"MissingContextValues"`
	Boundary                *xmlBoundaryDetail `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
	ResourceSpecificResults struct {
		Member []xmlResourceResult `xml:"member"`
	} `xml:"ResourceSpecificResults"`
}

type simulateResult struct {
	XMLName           xml.Name `xml:"SimulatePrincipalPolicyResult"`
	EvaluationResults struct {
		Member []xmlEvaluationResult `xml:"member"`
	} `xml:"EvaluationResults"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

// queryList reads a query-protocol list parameter: NAME.member.1, ...
func queryList(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[name+".member."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

func (f *Fake) serveSimulate(w http.ResponseWriter, req *request, st State) {
	source := req.form.Get("PolicySourceArn")
	req.resource = source
	req.resources = []string{source}
	if e := f.fault(req); e != nil {
		f.answerError(w, req, e)
		return
	}
	actions := queryList(req.form, "ActionNames")
	resources := queryList(req.form, "ResourceArns")
	if len(actions) == 0 {
		f.answerError(w, req, &apiError{Code: "InvalidInput", Message: "ActionNames must not be empty.", Status: http.StatusBadRequest})
		return
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	ref, err := arn.ParseRole(source)
	if err != nil {
		f.answerError(w, req, &apiError{Code: "InvalidInput", Message: "Invalid ARN: " + source, Status: http.StatusBadRequest})
		return
	}
	found := false
	for _, r := range st.Roles {
		if r2, err := arn.ParseRole(r.ARN); err == nil && r2.Account == req.principal.Account && r2.Account == ref.Account && strings.EqualFold(r2.Name, ref.Name) {
			found = true
			break
		}
	}
	if !found {
		f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "The role with name " + ref.Name + " cannot be found.", Status: http.StatusNotFound})
		return
	}
	size := 100
	if v := req.form.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			f.answerError(w, req, &apiError{Code: "InvalidInput", Message: "MaxItems must be between 1 and 1000.", Status: http.StatusBadRequest})
			return
		}
		size = n
	}
	if st.SimulationPage > 0 {
		size = min(size, st.SimulationPage)
	}
	var all []xmlEvaluationResult
	for _, a := range actions {
		for _, r := range resources {
			sim, ok := lookupSimulation(st, source, a, r)
			if !ok {
				f.t.Errorf("awsfake: no simulation for %s of %s on %s: add it to State.Simulations", source, a, r)
				f.answerError(w, req, &apiError{Code: "ServiceFailure", Message: fmt.Sprintf("awsfake: no simulation for %s of %s on %s", source, a, r), Status: http.StatusInternalServerError})
				return
			}
			all = append(all, evaluationResult(sim, a, r, len(queryList(req.form, "ResourceArns")) > 0))
		}
	}
	from, to, next := page(req.form, size, len(all))
	var res simulateResult
	res.EvaluationResults.Member = all[from:to]
	res.IsTruncated = next != ""
	res.Marker = next
	f.answerQuery(w, req, res)
}

func lookupSimulation(st State, source, action, resource string) (Simulation, bool) {
	for _, s := range st.Simulations {
		if s.PolicySourceARN == source && s.Action == action && s.Resource == resource {
			return s, true
		}
	}
	return Simulation{}, false
}

// evaluationResult is the answer for one pair. With ResourceArns, the
// missing context values are in ResourceSpecificResults only (IAM API
// reference, EvaluationResult MissingContextValues: "This list is used
// when the resource in a simulation is "*", either explicitly, or when
// the ResourceArns parameter blank. If you include a list of resources,
// then any missing context values are instead included under the
// ResourceSpecificResults section").
func evaluationResult(s Simulation, action, resource string, listed bool) xmlEvaluationResult {
	var stmts xmlStatements
	for _, m := range s.Statements {
		x := xmlStatement{SourcePolicyID: m.SourcePolicyID, SourcePolicyType: m.SourcePolicyType}
		if m.StartLine != 0 || m.StartColumn != 0 {
			x.StartPosition = &xmlPosition{Line: m.StartLine, Column: m.StartColumn}
		}
		if m.EndLine != 0 || m.EndColumn != 0 {
			x.EndPosition = &xmlPosition{Line: m.EndLine, Column: m.EndColumn}
		}
		stmts.Member = append(stmts.Member, x)
	}
	var boundary *xmlBoundaryDetail
	if s.Boundary != nil {
		boundary = &xmlBoundaryDetail{Allowed: *s.Boundary}
	}
	missing := members{Member: s.MissingContext}
	out := xmlEvaluationResult{EvalActionName: action, EvalResourceName: resource, EvalDecision: s.Decision,
		MatchedStatements: stmts, Boundary: boundary}
	if !listed {
		out.MissingContextValues = missing
	}
	out.ResourceSpecificResults.Member = []xmlResourceResult{{EvalResourceName: resource, EvalResourceDecision: s.Decision,
		MatchedStatements: stmts, MissingContextValues: missing, Boundary: boundary}}
	return out
}
