package bundle

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// As `aws eks list-pod-identity-associations --cluster-name prod --output
// json` and `aws eks describe-pod-identity-association --cluster-name prod
// --association-id a-4rxd7lsqhsgy3vbe1 --output json` print them (EKS API
// reference: ListPodIdentityAssociations, DescribePodIdentityAssociation).
const (
	assocARN  = "arn:aws:eks:eu-west-1:" + acctA + ":podidentityassociation/prod/a-4rxd7lsqhsgy3vbe1"
	assocARN2 = "arn:aws:eks:eu-west-1:" + acctA + ":podidentityassociation/prod/a-0wnedbyaddon1234"
	assocList = `{
    "associations": [
        {
            "clusterName": "prod",
            "namespace": "billing",
            "serviceAccount": "billing",
            "associationArn": "` + assocARN + `",
            "associationId": "a-4rxd7lsqhsgy3vbe1"
        },
        {
            "clusterName": "prod",
            "namespace": "kube-system",
            "serviceAccount": "ebs-csi-controller-sa",
            "associationArn": "` + assocARN2 + `",
            "associationId": "a-0wnedbyaddon1234",
            "ownerArn": "arn:aws:eks:eu-west-1:` + acctA + `:addon/prod/aws-ebs-csi-driver/8ec9c5a2-6d7b-4e26-8e2f-0123456789ab"
        }
    ]
}`
	assocDescribe = `{
    "association": {
        "clusterName": "prod",
        "namespace": "billing",
        "serviceAccount": "billing",
        "roleArn": "arn:aws:iam::` + acctA + `:role/billing-app",
        "associationArn": "` + assocARN + `",
        "associationId": "a-4rxd7lsqhsgy3vbe1",
        "tags": {"team": "billing"},
        "createdAt": "2026-10-01T09:12:44.171000+00:00",
        "modifiedAt": "2026-10-01T09:12:44.171000+00:00",
        "disableSessionTags": false
    }
}`
)

func TestReadPodIdentityAssociations(t *testing.T) {
	summary := func() *snapshot.PodIdentityAssociation {
		return &snapshot.PodIdentityAssociation{ClusterName: "prod", Namespace: "billing", ServiceAccount: "billing",
			ARN: assocARN, ID: "a-4rxd7lsqhsgy3vbe1", Region: "eu-west-1", Account: acctA, Source: stdinSrc}
	}
	addon := &snapshot.PodIdentityAssociation{ClusterName: "prod", Namespace: "kube-system", ServiceAccount: "ebs-csi-controller-sa",
		ARN: assocARN2, ID: "a-0wnedbyaddon1234", Region: "eu-west-1", Account: acctA,
		OwnerARN: "arn:aws:eks:eu-west-1:" + acctA + ":addon/prod/aws-ebs-csi-driver/8ec9c5a2-6d7b-4e26-8e2f-0123456789ab", Source: stdinSrc}
	detailed := func() *snapshot.PodIdentityAssociation {
		a := summary()
		a.RoleARN = "arn:aws:iam::" + acctA + ":role/billing-app"
		a.Tags = map[string]string{"team": "billing"}
		a.CreatedAt, a.ModifiedAt = "2026-10-01T09:12:44.171000+00:00", "2026-10-01T09:12:44.171000+00:00"
		a.DisableSessionTags = ptr(false)
		a.Detailed = true
		return a
	}
	tests := []struct {
		name  string
		input string
		want  *snapshot.Snapshot
	}{
		{
			name:  "list-pod-identity-associations",
			input: assocList,
			want: want(func(s *snapshot.Snapshot) {
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{summary(), addon}
				s.Files = file("aws:ListPodIdentityAssociations", "")
			}),
		},
		{
			name:  "describe-pod-identity-association",
			input: assocDescribe,
			want: want(func(s *snapshot.Snapshot) {
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{detailed()}
				s.Files = file("aws:DescribePodIdentityAssociation", "")
			}),
		},
		{
			name:  "a list and a describe of the same association: one, detailed",
			input: assocList + "\n" + assocDescribe,
			want: want(func(s *snapshot.Snapshot) {
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{detailed(), addon}
				s.Files = file("aws:ListPodIdentityAssociations,aws:DescribePodIdentityAssociation", "")
			}),
		},
		{
			name:  "a describe then the list: the detailed one is kept",
			input: assocDescribe + "\n" + assocList,
			want: want(func(s *snapshot.Snapshot) {
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{detailed(), addon}
				s.Files = file("aws:DescribePodIdentityAssociation,aws:ListPodIdentityAssociations", "")
			}),
		},
		{
			name:  "an empty list is recognised and holds nothing",
			input: `{"associations": []}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("aws:ListPodIdentityAssociations", "")
			}),
		},
		{
			name: "clusterName missing: taken from the ARN",
			input: `{"associations": [{"namespace": "billing", "serviceAccount": "billing",
				"associationArn": "` + assocARN + `", "associationId": "a-4rxd7lsqhsgy3vbe1"}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{summary()}
				s.Files = file("aws:ListPodIdentityAssociations", "")
			}),
		},
		{
			name: "clusterName and ARN disagree: skipped",
			input: `{"associations": [{"clusterName": "staging", "namespace": "billing", "serviceAccount": "billing",
				"associationArn": "` + assocARN + `", "associationId": "a-4rxd7lsqhsgy3vbe1"}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("aws:ListPodIdentityAssociations",
					`-:1:19: list-pod-identity-associations association 0 names cluster "staging", but its associationArn names cluster "prod"; skipped`)
			}),
		},
		{
			name: "an ARN that is not an association's: kept, account and region unknown",
			input: `{"associations": [{"clusterName": "prod", "namespace": "billing", "serviceAccount": "billing",
				"associationArn": "a-4rxd7lsqhsgy3vbe1", "associationId": "a-4rxd7lsqhsgy3vbe1"}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.PodIdentityAssociations = []*snapshot.PodIdentityAssociation{{ClusterName: "prod", Namespace: "billing", ServiceAccount: "billing",
					ARN: "a-4rxd7lsqhsgy3vbe1", ID: "a-4rxd7lsqhsgy3vbe1", Source: stdinSrc}}
				s.Files = file("aws:ListPodIdentityAssociations",
					`-:1:19: list-pod-identity-associations association 0 has no usable associationArn ("a-4rxd7lsqhsgy3vbe1"): its account and region are unknown`)
			}),
		},
		{
			name:  "no namespace: skipped",
			input: `{"association": {"clusterName": "prod", "serviceAccount": "billing", "associationArn": "` + assocARN + `"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("",
					`-:1:17: describe-pod-identity-association association lacks clusterName, namespace or serviceAccount ("prod", "", "billing"); skipped`)
			}),
		},
		{
			name:  "associations that is not an array",
			input: `{"associations": {"clusterName": "prod"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:18: list-pod-identity-associations output whose "associations" is an object, not an array`)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.input))
		})
	}
}
