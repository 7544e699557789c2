package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA402(t *testing.T) {
	piRunCases(t, irsa402, []piCase{
		{name: "the ServiceAccount exists", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.ServiceAccounts["payments/exports"] = fx.SA("exports") }, piAddAssoc("exports")}, want: []string{
			"IRSA402 pass PodIdentityAssociation payments/a-exports0000000000: ServiceAccount \"exports\" exists in namespace \"payments\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-exports0000000000 of cluster prod: namespace payments, ServiceAccount exports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/exports",
		}},
		{name: "a typo whose intended ServiceAccount has no association is an error", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.ServiceAccounts["payments/exports"] = fx.SA("exports") }, piAddAssoc("exprots")}, want: []string{
			"IRSA402 fail PodIdentityAssociation payments/a-exprots0000000000: the association names ServiceAccount \"exprots\", which does not exist in namespace \"payments\"; ServiceAccount \"exports\" exists and has no association: pods running as it get no Pod Identity credentials\n  severity: error\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-exprots0000000000 of cluster prod: namespace payments, ServiceAccount exprots, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle serviceaccounts.json: ServiceAccounts of namespace payments: default, exports, reports\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/exports (no Pod Identity association)\n  fix: aws eks delete-pod-identity-association --association-id a-exprots0000000000 --cluster-name prod --region eu-west-1\n  fix: aws eks create-pod-identity-association --namespace payments --service-account exports --role-arn arn:aws:iam::111122223333:role/payments-reports --cluster-name prod --region eu-west-1",
		}},
		{name: "a missing ServiceAccount without a near miss is a warning", mods: []func(*snapshot.Snapshot){piAddAssoc("ledger")}, want: []string{
			"IRSA402 fail PodIdentityAssociation payments/a-ledger0000000000: the association names ServiceAccount \"ledger\", which does not exist in namespace \"payments\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-ledger0000000000 of cluster prod: namespace payments, ServiceAccount ledger, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle serviceaccounts.json: ServiceAccounts of namespace payments: default, reports\n  fix: aws eks delete-pod-identity-association --association-id a-ledger0000000000 --cluster-name prod --region eu-west-1",
		}},
		{name: "a near miss that has its own association is named only", mods: []func(*snapshot.Snapshot){piAddAssoc("report")}, want: []string{
			"IRSA402 fail PodIdentityAssociation payments/a-report0000000000: the association names ServiceAccount \"report\", which does not exist in namespace \"payments\"; similar ServiceAccounts: \"reports\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-report0000000000 of cluster prod: namespace payments, ServiceAccount report, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle serviceaccounts.json: ServiceAccounts of namespace payments: default, reports\n  fix: aws eks delete-pod-identity-association --association-id a-report0000000000 --cluster-name prod --region eu-west-1",
		}},
		{name: "a namespace the Namespace List lacks", mods: []func(*snapshot.Snapshot){piNamespaceList, func(s *snapshot.Snapshot) {
			a := piAssoc("invoices")
			a.Namespace = "paymnets"
			s.PodIdentityAssociations = append(s.PodIdentityAssociations, a)
		}}, want: []string{
			"IRSA402 fail PodIdentityAssociation paymnets/a-invoices0000000000: the association names namespace \"paymnets\", which does not exist: no pod can run as its ServiceAccount \"invoices\"; similar namespaces: \"payments\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-invoices0000000000 of cluster prod: namespace paymnets, ServiceAccount invoices, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle namespaces.json: a Namespace List of the cluster (2 namespaces) without \"paymnets\"\n  fix: aws eks delete-pod-identity-association --association-id a-invoices0000000000 --cluster-name prod --region eu-west-1",
		}},
		{name: "without proof the named association is skipped", sel: model.Selector{SAs: []model.NamespacedName{{Namespace: "billing", Name: "invoices"}}}, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			a := piAssoc("invoices")
			a.Namespace = "billing"
			s.PodIdentityAssociations = append(s.PodIdentityAssociations, a)
		}}, want: []string{
			"IRSA402 skipped PodIdentityAssociation billing/a-invoices0000000000: ServiceAccount billing/invoices is not in the input, and nothing proves it or namespace billing missing (capture: kubectl get serviceaccounts -n billing -o json; kubectl get namespaces -o json)\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-invoices0000000000 of cluster prod: namespace billing, ServiceAccount invoices, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00",
		}},
		{name: "an IRSA-only ServiceAccount gets nothing", mods: []func(*snapshot.Snapshot){piIRSAOnly, func(s *snapshot.Snapshot) {
			s.ServiceAccounts["payments/exports"] = fx.SA("exports", webhook.AnnotationRoleARN, fx.Role)
		}}},
	})
}
