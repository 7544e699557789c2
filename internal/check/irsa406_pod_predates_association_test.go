package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA406(t *testing.T) {
	piRunCases(t, irsa406, []piCase{
		{name: "the pod carries the injection", mods: nil, want: []string{
			"IRSA406 pass Pod payments/reports-6c9f7d8b5-q2w8e: the pod carries the EKS Pod Identity injection: container \"app\" has AWS_CONTAINER_CREDENTIALS_FULL_URI\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00",
		}},
		{name: "created before the association, no other credentials", mods: []func(*snapshot.Snapshot){piUninjected("2026-11-01T08:00:00Z")}, want: []string{
			"IRSA406 fail Pod payments/reports-6c9f7d8b5-q2w8e: the pod was created at 2026-11-01T08:00:00Z, before association a-1b2c3d4e5f6a7b8c9 (created 2026-11-10T09:00:00.123000+00:00), so the webhook did not inject AWS_CONTAINER_CREDENTIALS_FULL_URI: container \"app\" falls back to the node's role through IMDS, or to no credentials\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e created 2026-11-01T08:00:00Z, without AWS_CONTAINER_CREDENTIALS_FULL_URI or the eks-pod-identity-token volume\n  fix: kubectl rollout restart deployment/reports -n payments",
		}},
		{name: "created before the association, still on IRSA", mods: []func(*snapshot.Snapshot){piUninjected("2026-11-01T08:00:00Z"), func(s *snapshot.Snapshot) { fx.Mutated(piPod(s)) }}, want: []string{
			"IRSA406 fail Pod payments/reports-6c9f7d8b5-q2w8e: the pod was created at 2026-11-01T08:00:00Z, before association a-1b2c3d4e5f6a7b8c9 (created 2026-11-10T09:00:00.123000+00:00), so the webhook did not inject AWS_CONTAINER_CREDENTIALS_FULL_URI: container \"app\" still uses IRSA (web identity) until the pod is re-created\n  severity: warning\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e created 2026-11-01T08:00:00Z, without AWS_CONTAINER_CREDENTIALS_FULL_URI or the eks-pod-identity-token volume\n  fix: kubectl rollout restart deployment/reports -n payments",
		}},
		{name: "created after the association, not mutated", mods: []func(*snapshot.Snapshot){piUninjected("2026-11-20T08:00:00Z")}, want: []string{
			"IRSA406 fail Pod payments/reports-6c9f7d8b5-q2w8e: the pod was created at 2026-11-20T08:00:00Z, after association a-1b2c3d4e5f6a7b8c9 (created 2026-11-10T09:00:00.123000+00:00), yet has no AWS_CONTAINER_CREDENTIALS_FULL_URI: the webhook did not mutate it for Pod Identity; container \"app\" falls back to the node's role through IMDS, or to no credentials\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e created 2026-11-20T08:00:00Z, without AWS_CONTAINER_CREDENTIALS_FULL_URI or the eks-pod-identity-token volume\n  fix: kubectl rollout restart deployment/reports -n payments",
		}},
		{name: "the association's createdAt is not in the input", mods: []func(*snapshot.Snapshot){piUninjected("2026-11-01T08:00:00Z"), piListOnly}, want: []string{
			"IRSA406 skipped Pod payments/reports-6c9f7d8b5-q2w8e: the pod has no EKS Pod Identity injection, and when association a-1b2c3d4e5f6a7b8c9 was created is not in the input (capture: aws eks describe-pod-identity-association --cluster-name prod --association-id a-1b2c3d4e5f6a7b8c9 --region eu-west-1 --output json)\n  evidence: bundle list-pod-identity-associations.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports",
		}},
		{name: "an IRSA-only pod gets nothing", mods: []func(*snapshot.Snapshot){piIRSAOnly}},
	})
}
