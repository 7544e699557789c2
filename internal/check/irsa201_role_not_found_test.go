package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA201(t *testing.T) {
	noRole := func(s *snapshot.Snapshot) { delete(s.Roles, iamRoleARN) }
	// noSuchEntity is `aws iam get-role --role-name s3-reader`'s error: it
	// names the role, not its account.
	noSuchEntity := func(s *snapshot.Snapshot) {
		s.NotFounds = []snapshot.NotFound{{Kind: snapshot.KindRole, Name: "s3-reader",
			Message: "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name s3-reader cannot be found.",
			Source:  snapshot.Source{Kind: "bundle", Ref: "get-role-error.txt"}}}
	}
	crossAccountRole := func(s *snapshot.Snapshot) {
		s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationRoleARN] = "arn:aws:iam::444455556666:role/s3-reader"
	}
	caller := func(acct string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Caller = &snapshot.CallerIdentity{Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/Admin/jane", Source: snapshot.Source{Kind: "bundle", Ref: "caller-identity.json"}}
		}
	}
	bareIssuer := func(s *snapshot.Snapshot) {
		s.Clusters = nil
		s.IssuerURLs = []snapshot.IssuerURL{{URL: iamIssuer, Source: snapshot.Source{Kind: "bundle", Ref: "issuer.txt"}}}
	}
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "role exists", want: []string{
			"IRSA201 pass IAMRole s3-reader: role s3-reader exists in account 111122223333\n  evidence: bundle get-role.json: role arn:aws:iam::111122223333:role/s3-reader",
		}},
		{name: "role under another path", heads: true, mods: []func(*snapshot.Snapshot){noRole, func(s *snapshot.Snapshot) {
			s.Roles["arn:aws:iam::111122223333:role/service/s3-reader"] = &snapshot.Role{ARN: "arn:aws:iam::111122223333:role/service/s3-reader",
				Name: "s3-reader", Path: "/service/", Account: iamAcct, Source: iamRoleSrc}
		}}, want: []string{
			"IRSA201 pass IAMRole s3-reader: role s3-reader exists in account 111122223333; the annotation names the role with path /, IAM holds it with path /service/ (arn:aws:iam::111122223333:role/service/s3-reader)",
		}},
		{name: "NoSuchEntity", mods: []func(*snapshot.Snapshot){noRole, func(s *snapshot.Snapshot) {
			s.NotFounds = []snapshot.NotFound{{Kind: snapshot.KindRole, Name: "s3-reader",
				Message: "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name s3-reader cannot be found.",
				Source:  snapshot.Source{Kind: "bundle", Ref: "get-role-error.txt"}}}
		}}, want: []string{
			"IRSA201 fail IAMRole s3-reader: role s3-reader does not exist in account 111122223333\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle get-role-error.txt: An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name s3-reader cannot be found.\n  fix: aws iam create-role --role-name s3-reader --assume-role-policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json",
		}},
		{name: "NoSuchEntity from the caller's other account proves nothing", heads: true, mods: []func(*snapshot.Snapshot){noRole, noSuchEntity, crossAccountRole, caller("111122223333")}, want: []string{
			"IRSA201 skipped IAMRole s3-reader: role s3-reader is not in the input; the input's NoSuchEntity error for it was answered in account 111122223333, the caller's (get-caller-identity): " +
				"get-role looks a role name up in the caller's account only, so it says nothing about account 444455556666 (capture: aws iam get-role --role-name s3-reader --output json --profile PROFILE_OF_444455556666)",
		}},
		{name: "NoSuchEntity from the role's account, as the caller says", heads: true, mods: []func(*snapshot.Snapshot){noRole, noSuchEntity, crossAccountRole, caller("444455556666")}, want: []string{
			"IRSA201 fail IAMRole s3-reader: role s3-reader does not exist in account 444455556666",
		}},
		{name: "NoSuchEntity without a caller: the cluster's account answered", heads: true, mods: []func(*snapshot.Snapshot){noRole, noSuchEntity, crossAccountRole}, want: []string{
			"IRSA201 skipped IAMRole s3-reader: role s3-reader is not in the input; the input's NoSuchEntity error for it was answered in account 111122223333, the cluster's, the input having no get-caller-identity output: " +
				"get-role looks a role name up in the caller's account only, so it says nothing about account 444455556666 (capture: aws iam get-role --role-name s3-reader --output json --profile PROFILE_OF_444455556666)",
		}},
		{name: "NoSuchEntity, no caller or cluster, one account named", heads: true, mods: []func(*snapshot.Snapshot){noRole, noSuchEntity, bareIssuer}, want: []string{
			"IRSA201 fail IAMRole s3-reader: role s3-reader does not exist in account 111122223333",
		}},
		{name: "NoSuchEntity, no caller or cluster, several accounts named", heads: true, mods: []func(*snapshot.Snapshot){noRole, noSuchEntity, bareIssuer, func(s *snapshot.Snapshot) {
			s.ProviderLists = append(s.ProviderLists, snapshot.ProviderList{Account: "444455556666", Source: snapshot.Source{Kind: "bundle", Ref: "oidc-providers-444455556666.json"}})
		}}, want: []string{
			"IRSA201 skipped IAMRole s3-reader: role s3-reader is not in the input; the input's NoSuchEntity error names the role s3-reader only, and the input names accounts 111122223333, 444455556666 and does not say which one answered, " +
				"so it proves nothing about account 111122223333, since get-role looks a name up in the caller's account only (capture: aws iam get-role --role-name s3-reader --output json --profile PROFILE_OF_111122223333)",
		}},
		{name: "list-roles of the account without it", heads: true, mods: []func(*snapshot.Snapshot){noRole, func(s *snapshot.Snapshot) {
			s.Roles["arn:aws:iam::111122223333:role/eksClusterRole"] = &snapshot.Role{ARN: "arn:aws:iam::111122223333:role/eksClusterRole", Name: "eksClusterRole", Path: "/", Account: iamAcct, Source: iamRoleSrc}
			s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindRole, Account: iamAcct, Source: snapshot.Source{Kind: "bundle", Ref: "list-roles.json"}})
		}}, want: []string{
			"IRSA201 fail IAMRole s3-reader: role s3-reader does not exist in account 111122223333",
		}},
		{name: "name differs in letter case", mods: []func(*snapshot.Snapshot){noRole, func(s *snapshot.Snapshot) {
			s.Roles["arn:aws:iam::111122223333:role/S3-Reader"] = &snapshot.Role{ARN: "arn:aws:iam::111122223333:role/S3-Reader", Name: "S3-Reader", Path: "/", Account: iamAcct, Source: iamRoleSrc}
			s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindRole, Account: iamAcct, Source: snapshot.Source{Kind: "bundle", Ref: "list-roles.json"}})
		}}, want: []string{
			"IRSA201 fail IAMRole s3-reader: role s3-reader does not exist in account 111122223333; role S3-Reader does, but STS matches role names case-sensitively\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle list-roles.json: list-roles of account 111122223333 (1 role): S3-Reader\n  evidence: bundle get-role.json: role arn:aws:iam::111122223333:role/S3-Reader\n  fix: kubectl annotate serviceaccount s3-reader -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/S3-Reader",
		}},
		{name: "not in the input", heads: true, mods: []func(*snapshot.Snapshot){noRole}, want: []string{
			"IRSA201 skipped IAMRole s3-reader: role s3-reader is not in the input (capture: aws iam get-role --role-name s3-reader --output json)",
		}},
		{name: "get-role denied", heads: true, mods: []func(*snapshot.Snapshot){noRole, func(s *snapshot.Snapshot) {
			s.Gaps = []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: "role s3-reader", Reason: "AccessDenied"}}
		}}, want: []string{
			"IRSA201 skipped IAMRole s3-reader: role s3-reader could not be read: iam:GetRole was refused with AccessDenied (capture with credentials allowed to call it: aws iam get-role --role-name s3-reader --output json)",
		}},
		{name: "role of another partition than the cluster", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Clusters[0].ARN = "arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod"
			s.Clusters[0].Region = "cn-north-1"
			s.Clusters[0].Issuer = "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/B1C4F9A2E7D3"
		}}, want: []string{
			"IRSA201 fail IAMRole s3-reader: the role ARN is in partition aws, but the cluster runs in partition aws-cn (region cn-north-1): STS there never finds a role of another partition\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle describe-cluster.json: cluster prod issuer: https://oidc.eks.cn-north-1.amazonaws.com.cn/id/B1C4F9A2E7D3\n  fix: kubectl annotate serviceaccount s3-reader -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws-cn:iam::111122223333:role/s3-reader",
		}},
		{name: "ServiceAccount not in the input", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			delete(s.ServiceAccounts, "payments/s3-reader")
			s.Listings = nil
		}}, want: []string{
			"IRSA201 skipped ServiceAccount payments/s3-reader: ServiceAccount payments/s3-reader is not in the input, so the role is not known (capture: kubectl get serviceaccount s3-reader -n payments -o json)",
		}},
		{name: "ServiceAccount without a role", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.ServiceAccounts["payments/s3-reader"].Annotations = nil
			s.Pods[0].Spec.Volumes = nil
			s.Pods[0].Spec.Containers[0].Env = nil
			s.Pods[0].Spec.Containers[0].VolumeMounts = nil
		}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa201)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
