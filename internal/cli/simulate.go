package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/awscollect"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const simulateHelp = `also ask IAM's policy simulator (iam:SimulatePrincipalPolicy, the optional statement ` + awscollect.SimulatePolicySid + ` of deploy/iam-policy.json) each --can question and each AccessDenied seen, per role, and report a disagreement with irsa-doctor's own evaluation (IRSA605); scan only: no bundle holds the simulator's answers`

// simulateLive asks IAM's policy simulator the permission questions of
// the targets (model.SimulationQuestions), one Simulate per role, with
// the caller's credentials or, for a role of another account, the
// --role-profile of that account, and adds the answers
// (snapshot.Simulations) and the refusals (gaps) to snap. Without a
// question it makes no call.
func simulateLive(ctx context.Context, live *liveResult, snap *snapshot.Snapshot, sel model.Selector, questions []policy.Question, now func() time.Time) {
	roles, byRole := model.SimulationQuestions(snap, sel, questions, now())
	src := snapshot.Source{Kind: "aws", Ref: "iam:SimulatePrincipalPolicy"}
	for _, role := range roles {
		cfg, why := simulateConfig(live, role)
		if why != "" {
			snap.Gaps = append(snap.Gaps, snapshot.Gap{Source: "aws", Operation: model.SimulateOperation, Resource: role, Reason: why})
			continue
		}
		res := awscollect.Simulate(ctx, cfg, role, byRole[role])
		snap.Gaps = append(snap.Gaps, res.Gaps...)
		if res.Err != nil {
			snap.Gaps = append(snap.Gaps, snapshot.Gap{Source: "aws", Operation: model.SimulateOperation, Resource: role, Reason: res.Err.Error()})
		}
		for _, a := range res.Answers {
			sim := &snapshot.Simulation{RoleARN: role, Action: a.Question.Action, Resource: a.Question.Resource,
				Decision: string(a.Decision), AWSDecision: a.AWSDecision, MissingContext: a.MissingContext, Reason: a.Reason, Source: src}
			if sim.Decision == "" {
				sim.Decision = string(policy.Unknown)
			}
			for _, s := range a.Statements {
				sim.Statements = append(sim.Statements, s.PolicyID)
			}
			snap.Simulations = append(snap.Simulations, sim)
		}
	}
}

// simulateConfig is the configuration to simulate role with: IAM
// simulates the entities of the caller's account only.
func simulateConfig(live *liveResult, role string) (aws.Config, string) {
	if !live.awsOK {
		return aws.Config{}, "not simulated: no AWS fact could be read (sts:GetCallerIdentity failed)"
	}
	ref, err := arn.ParseRole(role)
	if err != nil {
		return aws.Config{}, "not simulated: " + err.Error()
	}
	if c, ok := live.roleCfgs[ref.Account]; ok {
		return c, ""
	}
	if ref.Account == live.account {
		return live.awsCfg, ""
	}
	return aws.Config{}, fmt.Sprintf("not simulated: the role is in account %s and the AWS credentials are in account %s; "+
		"iam:SimulatePrincipalPolicy simulates the caller's own account (pass --role-profile %s=PROFILE with a profile of that account allowed iam:SimulatePrincipalPolicy)",
		ref.Account, live.account, ref.Account)
}
