package check_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestIAMScenarioFixes is the round trip on the scenario bundles: every
// corrected trust policy a finding carries parses, is a valid trust
// policy, admits the service accounts that name the role (as STS sees
// their request), and refuses the same service account in another
// namespace.
func TestIAMScenarioFixes(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(check.ScenarioDir, "irsa2*"))
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var inputs []string
			for _, e := range entries {
				if e.Name() != "want.txt" {
					inputs = append(inputs, filepath.Join(dir, e.Name()))
				}
			}
			snap, err := bundle.Read(context.Background(), inputs, bundle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := check.Run(snap, check.Options{Now: check.ScenarioNow})
			issuer, why, _ := model.ClusterIssuer(snap)
			for _, f := range out.Findings {
				if f.Status != finding.StatusFail || f.Fix == nil || !strings.HasPrefix(f.CheckID, "IRSA2") {
					continue
				}
				for _, fl := range f.Fix.Files {
					if strings.HasSuffix(fl.Name, ".before.json") {
						// The document the fix was computed from, which
						// fix.sh compares with IAM's before the update.
						continue
					}
					files++
					if why != "" {
						t.Fatalf("%s carries a fix, but the issuer is not known: %s", f.CheckID, why)
					}
					doc, err := policy.ParseDocument(fl.Content)
					if err != nil {
						t.Fatalf("%s %s does not parse: %v", f.CheckID, fl.Name, err)
					}
					if p := doc.TrustPolicyProblems(); len(p) > 0 {
						t.Errorf("%s %s is not a valid trust policy: %v", f.CheckID, fl.Name, p)
					}
					role, err := arn.ParseRole(f.Subject.ARN)
					if err != nil {
						t.Fatal(err)
					}
					provider := "arn:" + role.Partition + ":iam::" + role.Account + ":oidc-provider/" + issuer.HostPath
					for _, tg := range out.Targets {
						if tg.RoleARN != role.ARN {
							continue
						}
						sub := policy.ServiceAccountSubject(tg.Namespace, tg.ServiceAccount)
						if d := doc.Evaluate(policy.WebIdentityRequest(provider, issuer.HostPath, "sts.amazonaws.com", sub)); d.Decision != policy.Allowed {
							t.Errorf("%s %s refuses %s: %s", f.CheckID, fl.Name, sub, d.Explain())
						}
						other := policy.ServiceAccountSubject("irsa-doctor-other", tg.ServiceAccount)
						orig := snapRolePolicy(t, snap.Roles, role)
						if orig.Evaluate(policy.WebIdentityRequest(provider, issuer.HostPath, "sts.amazonaws.com", other)).Decision != policy.Allowed {
							if d := doc.Evaluate(policy.WebIdentityRequest(provider, issuer.HostPath, "sts.amazonaws.com", other)); d.Decision == policy.Allowed {
								t.Errorf("%s %s admits %s: %s", f.CheckID, fl.Name, other, d.Explain())
							}
						}
					}
				}
			}
		})
	}
	if files == 0 {
		t.Error("no scenario carries a corrected trust policy")
	}
}

// snapRolePolicy parses the trust policy of the role as the input holds
// it.
func snapRolePolicy(t *testing.T, roles map[string]*snapshot.Role, role arn.Role) *policy.Document {
	t.Helper()
	r := roles[role.ARN]
	if r == nil {
		// A role that does not exist refuses everyone (IRSA201's fix
		// creates it).
		doc, err := policy.ParseDocument(`{"Version":"2012-10-17","Statement":[]}`)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	doc, err := policy.ParseDocument(r.TrustPolicy)
	if err != nil {
		t.Fatalf("role %s: %v", role.ARN, err)
	}
	return doc
}
