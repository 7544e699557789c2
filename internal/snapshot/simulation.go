package snapshot

// Simulation is IAM's policy simulator's answer (iam:SimulatePrincipalPolicy,
// `scan --simulate`) to one question about one role: may RoleARN do Action
// on Resource? IRSA605 compares it with irsa-doctor's own evaluation of the
// captured policies. Only a live scan produces it: no bundle holds it.
type Simulation struct {
	RoleARN string `json:"roleArn"`
	Action  string `json:"action"`
	// Resource is the question's resource, "" when it names none (the
	// simulator is then asked about "*").
	Resource string `json:"resource"`
	// Decision is allow, implicit-deny, explicit-deny or unknown (not
	// answered: Reason says why, or a decision IAM has added since).
	Decision string `json:"decision"`
	// AWSDecision is the decision as IAM wrote it: allowed, implicitDeny,
	// explicitDeny ("" when not answered).
	AWSDecision string `json:"awsDecision,omitempty"`
	// Statements are the ids of the policies whose statements IAM names as
	// deciding (MatchedStatements' SourcePolicyId).
	Statements []string `json:"statements,omitempty"`
	// MissingContext are the context keys the policies test that the
	// simulation was not given (MissingContextValues).
	MissingContext []string `json:"missingContext,omitempty"`
	// Reason says why the question has no answer ("" when it has one).
	Reason string `json:"reason,omitempty"`
	Source Source `json:"source"`
}

// SimulationFor returns the simulator's answer for roleARN's question,
// nil when it was not asked.
func (s *Snapshot) SimulationFor(roleARN, action, resource string) *Simulation {
	for _, sim := range s.Simulations {
		if sim.RoleARN == roleARN && sim.Action == action && sim.Resource == resource {
			return sim
		}
	}
	return nil
}
