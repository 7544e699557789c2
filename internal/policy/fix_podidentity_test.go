package policy_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// TestCorrectPodIdentityTrust: a statement refused only for its Action
// gains the action; any other refusal gets the statement EKS documents;
// an explicit Deny is not edited.
func TestCorrectPodIdentityTrust(t *testing.T) {
	ctx := map[string][]string{
		"aws:RequestTag/kubernetes-namespace":       {"payments"},
		"aws:RequestTag/kubernetes-service-account": {"api"},
	}
	tests := []struct {
		name    string
		doc     string
		want    string
		changes []string
		err     string
	}{
		{
			name: "action missing",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"PodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`,
			changes: []string{`statement "PodIdentity" also allows sts:TagSession`},
		},
		{
			name: "one statement object",
			doc:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:TagSession"]}}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Principal": {
      "Service": "pods.eks.amazonaws.com"
    },
    "Action": [
      "sts:TagSession",
      "sts:AssumeRole"
    ]
  }
}
`,
			changes: []string{`Statement also allows sts:AssumeRole`},
		},
		{
			name: "an IRSA policy",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Irsa","Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Irsa",
      "Effect": "Allow",
      "Principal": {
        "Federated": "` + provider + `"
      },
      "Action": "sts:AssumeRoleWithWebIdentity"
    },
    {
      "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`,
			changes: []string{`a new Statement[1] allows pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession`},
		},
		{
			// The statement fails on a condition too: editing its Action
			// would not do, so the documented statement is appended to
			// the document as it was.
			name: "condition and action",
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"payment"}}}]}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": "sts:AssumeRole",
      "Condition": {
        "StringEquals": {
          "aws:RequestTag/kubernetes-namespace": "payment"
        }
      }
    },
    {
      "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`,
			changes: []string{`a new Statement[1] allows pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession`},
		},
		{
			name: "explicit deny",
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]},{"Sid":"NoTags","Effect":"Deny","Principal":"*","Action":"sts:TagSession"}]}`,
			err:  `correct trust policy: statement "NoTags" denies sts:TagSession, and a Deny is not edited`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := policy.ParseDocument(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			denied := podIdentityRefusals(doc, ctx)
			fix, err := policy.CorrectPodIdentityTrust(doc, denied, ctx)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, fix.Content); diff != "" {
				t.Errorf("corrected policy (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.changes, fix.Changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPodIdentityTrustPolicy: the policy a new Pod Identity role gets (the
// fix of IRSA410) is the one the EKS User Guide documents, rendered as the
// fixes render policies.
func TestPodIdentityTrustPolicy(t *testing.T) {
	const want = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`
	if got := policy.PodIdentityTrustPolicy(); got != want {
		t.Errorf("PodIdentityTrustPolicy() =\n%s\nwant\n%s", got, want)
	}
}

// TestPodIdentityPlanKey: refusals of one document that would edit it
// differently have different keys, and a plan made for one association's
// refusals answers another's with that association's tags. The policy
// trusts the principal for sts:AssumeRole only, and team-a's namespace
// only (a session tag condition).
func TestPodIdentityPlanKey(t *testing.T) {
	doc, err := policy.ParseDocument(`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"team-a"}}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	refusals := func(ns string) ([]policy.Result, map[string][]string) {
		ctx := map[string][]string{"aws:RequestTag/kubernetes-namespace": {ns}}
		return podIdentityRefusals(doc, ctx), ctx
	}
	deniedA, ctxA := refusals("team-a")
	deniedA2, ctxA2 := refusals("team-a")
	deniedB, ctxB := refusals("team-b")
	// team-a: only sts:TagSession, refused by A for its Action alone
	// (statement 0). team-b: both actions, A failing its condition too.
	if got, want := policy.PodIdentityPlanKey(deniedA), "sts:TagSession 0;"; got != want {
		t.Errorf("team-a's key = %q, want %q", got, want)
	}
	if got, want := policy.PodIdentityPlanKey(deniedB), "sts:AssumeRole;sts:TagSession;"; got != want {
		t.Errorf("team-b's key = %q, want %q", got, want)
	}
	for _, c := range []struct {
		denied []policy.Result
		ctx    map[string][]string
	}{{deniedA, ctxA}, {deniedA2, ctxA2}, {deniedB, ctxB}} {
		want, wantErr := policy.CorrectPodIdentityTrust(doc, c.denied, c.ctx)
		got, gotErr := policy.PlanPodIdentityTrust(doc, deniedA).For(c.ctx)
		if policy.PodIdentityPlanKey(c.denied) != policy.PodIdentityPlanKey(deniedA) {
			continue // another plan: nothing to compare
		}
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !cmp.Equal(got, want) {
			t.Errorf("team-a's plan for %v: %+v, %v; want %+v, %v", c.ctx, got, gotErr, want, wantErr)
		}
	}
	// team-a's plan (the Action added to A) does not allow team-b, whose
	// tag A's condition refuses.
	if _, err := policy.PlanPodIdentityTrust(doc, deniedA).For(ctxB); err == nil {
		t.Error("team-a's plan allows team-b: the context was not checked")
	}
}

// podIdentityRefusals are doc's evaluations of the actions EKS Pod
// Identity needs, with ctx, that do not allow.
func podIdentityRefusals(doc *policy.Document, ctx map[string][]string) []policy.Result {
	var denied []policy.Result
	for _, action := range policy.PodIdentityActions() {
		req := policy.PodIdentityRequest(action)
		req.Context = ctx
		if res := doc.Evaluate(req); res.Decision != policy.Allowed {
			denied = append(denied, res)
		}
	}
	return denied
}
