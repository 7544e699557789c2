package policy_test

import (
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
			var denied []policy.Result
			for _, action := range policy.PodIdentityActions() {
				req := policy.PodIdentityRequest(action)
				req.Context = ctx
				if res := doc.Evaluate(req); res.Decision != policy.Allowed {
					denied = append(denied, res)
				}
			}
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
