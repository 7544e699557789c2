package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA410(t *testing.T) {
	piRunCases(t, irsa410, []piCase{
		{name: "the role exists", mods: nil, want: []string{
			"IRSA410 pass PodIdentityAssociation payments/a-1b2c3d4e5f6a7b8c9: role payments-reports of the association exists in account 111122223333\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role arn:aws:iam::111122223333:role/payments-reports",
		}},
		{name: "NoSuchEntity", mods: []func(*snapshot.Snapshot){piNoRole}, want: []string{
			"IRSA410 fail PodIdentityAssociation payments/a-1b2c3d4e5f6a7b8c9: role payments-reports of the association does not exist in account 111122223333\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.txt: An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name payments-reports cannot be found.\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e\n  fix: aws iam create-role --role-name payments-reports --assume-role-policy-document file://payments-reports.trust-policy.json",
		}},
		{name: "a role of another letter case", mods: []func(*snapshot.Snapshot){piNoRole, func(s *snapshot.Snapshot) {
			r := "arn:aws:iam::111122223333:role/Payments-Reports"
			s.Roles[r] = &snapshot.Role{ARN: r, Name: "Payments-Reports", Path: "/", Account: piAcct, TrustPolicy: piTrust, Source: fx.Src("list-roles.json")}
			s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindRole, Account: piAcct, Source: fx.Src("list-roles.json")})
		}}, want: []string{
			"IRSA410 fail PodIdentityAssociation payments/a-1b2c3d4e5f6a7b8c9: role payments-reports of the association does not exist in account 111122223333; role Payments-Reports does, but IAM matches role names case-sensitively\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.txt: An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name payments-reports cannot be found.\n  evidence: bundle list-roles.json: role arn:aws:iam::111122223333:role/Payments-Reports\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e\n  fix: aws eks update-pod-identity-association --association-id a-1b2c3d4e5f6a7b8c9 --role-arn arn:aws:iam::111122223333:role/Payments-Reports --cluster-name prod --region eu-west-1",
		}},
		{name: "the role is not in the input", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { delete(s.Roles, piRole) }}, want: []string{
			"IRSA410 skipped PodIdentityAssociation payments/a-1b2c3d4e5f6a7b8c9: role payments-reports is not in the input (capture: aws iam get-role --role-name payments-reports --output json)\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "a list-only association names no role", mods: []func(*snapshot.Snapshot){piListOnly}, want: []string{
			"IRSA410 skipped PodIdentityAssociation payments/a-1b2c3d4e5f6a7b8c9: the association's role is not in the input: list-pod-identity-associations does not print it (capture: aws eks describe-pod-identity-association --cluster-name prod --association-id a-1b2c3d4e5f6a7b8c9 --region eu-west-1 --output json)\n  evidence: bundle list-pod-identity-associations.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "an IRSA-only ServiceAccount gets nothing", mods: []func(*snapshot.Snapshot){piIRSAOnly}},
	})
}
