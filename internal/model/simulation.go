package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The live cross-check (IRSA605, `scan --simulate`): IAM's policy
// simulator was asked each permission question of a container's role
// (snapshot.Simulations); its decision is compared with irsa-doctor's
// evaluation of the captured policies (PermissionQuestion.Result). A
// disagreement is reported, never hidden: it is either a change of the
// policies since the capture, a condition the simulator was not given, or
// a gap in irsa-doctor's evaluator.

// CheckSimulationContradicts is IRSA605.
const CheckSimulationContradicts = "IRSA605"

// SimulateOperation is the gap operation of a simulator call that failed.
const SimulateOperation = "iam:SimulatePrincipalPolicy"

// SimulationOf is the simulator's answer to q, nil when it was not asked.
func SimulationOf(c *Context, q *PermissionQuestion) *snapshot.Simulation {
	return c.Snap.SimulationFor(q.Role.ARN, q.Question.Action, q.Question.Resource)
}

// JudgeSimulations is IRSA605's outcome for every container with a
// question: fail when the simulator and the local evaluation disagree on
// a question, else skipped when a question could not be compared, else
// pass.
func JudgeSimulations(c *Context, t *Target) Verdicts {
	var v Verdicts
	qs := PermissionQuestions(c, t)
	for _, name := range PermissionContainers(c, t) {
		subj := t.ContainerSubject(name)
		var fails, skips, passes []string
		var details []Detail
		for _, q := range qs {
			if q.Container != name {
				continue
			}
			sim := SimulationOf(c, q)
			switch {
			case sim == nil:
				skips = append(skips, fmt.Sprintf("%s %s: %s", q.Describe(), askedPhrase(q), notSimulated(c, q)))
			case sim.Reason != "" || sim.Decision == "" || sim.Decision == finding.DecisionUnknown:
				why := sim.Reason
				if why == "" {
					why = "the simulator's decision " + sim.AWSDecision + " is not one irsa-doctor knows"
				}
				skips = append(skips, fmt.Sprintf("%s %s: %s", q.Describe(), askedPhrase(q), why))
			case !q.Evaluated:
				skips = append(skips, fmt.Sprintf("%s %s: the simulator says %s, irsa-doctor's evaluation has no answer: %s",
					q.Describe(), askedPhrase(q), sim.AWSDecision, q.WhyUnknown()))
			case sim.Decision != q.Decision():
				fails = append(fails, fmt.Sprintf("IAM's policy simulator says %s for %s as %s, irsa-doctor's evaluation of the captured policies says %s %s: "+
					"the policies changed since the capture, the simulator was not given a condition's context, or irsa-doctor's evaluator has a gap (report it at https://github.com/irsa-doctor/irsa-doctor/issues)",
					sim.AWSDecision, q.Describe(), q.Role.ARN, q.Decision(), askedPhrase(q)))
				details = append(details, simulationEvidence(c, q, sim)...)
			default:
				passes = append(passes, fmt.Sprintf("IAM's policy simulator agrees: %s for %s as %s %s", sim.AWSDecision, q.Describe(), q.Role.ARN, askedPhrase(q)))
			}
		}
		switch {
		case len(fails) > 0:
			v.Fail(subj, strings.Join(fails, "; "), append(details, dedupeEvidence)...)
		case len(skips) > 0:
			v.Skip(subj, "not compared with IAM's policy simulator: "+strings.Join(skips, "; "))
		default:
			v.Pass(subj, strings.Join(passes, "; "))
		}
	}
	return v
}

// notSimulated says why a question has no simulation: the simulator's
// refusal, or that --simulate was not given.
func notSimulated(c *Context, q *PermissionQuestion) string {
	if g, ok := c.Snap.GapFor(SimulateOperation, q.Role.ARN); ok {
		return fmt.Sprintf("not simulated: %s %s: %s", g.Operation, g.Resource, g.Reason)
	}
	return "not simulated (run scan --simulate)"
}

// simulationEvidence is what each side decided by.
func simulationEvidence(c *Context, q *PermissionQuestion, sim *snapshot.Simulation) []Detail {
	var ds []Detail
	stmts := "no statement"
	if len(sim.Statements) > 0 {
		stmts = "statements of " + strings.Join(sim.Statements, ", ")
	}
	ds = append(ds, Ev(sim.Source, fmt.Sprintf("the simulator's %s for %s: matched %s", sim.AWSDecision, q.Describe(), stmts)))
	if len(sim.MissingContext) > 0 {
		ds = append(ds, Ev(sim.Source, fmt.Sprintf("the simulator was not given the context keys %s, which the policies test", strings.Join(sim.MissingContext, ", "))))
	}
	for _, s := range q.Result.Statements {
		ds = append(ds, Ev(PolicySource(c, q, s.Policy), fmt.Sprintf("irsa-doctor's %s for %s: decided by %s", q.Decision(), q.Describe(), StatementLabel(s))))
	}
	if len(q.Result.Statements) == 0 {
		ds = append(ds, Ev(q.RoleSource, fmt.Sprintf("irsa-doctor's %s for %s: %s", q.Decision(), q.Describe(), q.Result.Reason)))
	}
	return ds
}

// SimulationQuestions are the questions `scan --simulate` asks IAM's
// policy simulator: the permission questions of every target's containers
// (PermissionQuestions: the --can questions and the AccessDenied seen that
// name the container's role), grouped by role ARN, roles in order of first
// appearance, each question once per role. A question whose action is not
// SERVICE:ACTION or whose resource is not an ARN is not asked.
func SimulationQuestions(s *snapshot.Snapshot, sel Selector, questions []policy.Question, now time.Time) (roles []string, byRole map[string][]policy.Question) {
	ix := NewIndex(s)
	targets := Targets(s, sel, ix)
	c := &Context{Snap: s, Now: now, Targets: targets, Index: ix, Questions: questions}
	byRole = map[string][]policy.Question{}
	for _, t := range targets {
		for _, q := range PermissionQuestions(c, t) {
			if q.BadAction != "" || q.BadResource != "" {
				continue
			}
			role := q.Role.ARN
			if _, ok := byRole[role]; !ok {
				roles = append(roles, role)
			}
			if !slices.Contains(byRole[role], q.Question) {
				byRole[role] = append(byRole[role], q.Question)
			}
		}
	}
	return roles, byRole
}
