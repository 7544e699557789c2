package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA405(t *testing.T) {
	piRunCases(t, irsa405, []piCase{
		{name: "a Linux EC2 node", mods: []func(*snapshot.Snapshot){piNodeObj(piNode, "", "linux")}, want: []string{
			"IRSA405 pass Deployment payments/reports: the pod spec shows no Fargate, Windows or hostNetwork\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00",
			"IRSA405 pass Pod payments/reports-6c9f7d8b5-q2w8e: the pod runs on node ip-10-0-1-23.eu-west-1.compute.internal, a linux EC2 node, without hostNetwork\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle nodes.json: node ip-10-0-1-23.eu-west-1.compute.internal, os linux, instance type m6i.large",
		}},
		{name: "no node facts, nothing unsupported in the spec", mods: nil, want: []string{
			"IRSA405 pass Deployment payments/reports: the pod spec shows no Fargate, Windows or hostNetwork\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e has the same finding",
		}},
		{name: "Fargate from the pod's label", mods: []func(*snapshot.Snapshot){piFargate}, want: []string{
			"IRSA405 fail Pod payments/reports-6c9f7d8b5-q2w8e: the pod runs on AWS Fargate, where AWS does not support EKS Pod Identity (the agent does not run there): it gets no credentials from the association\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle pods.json: label eks.amazonaws.com/fargate-profile=fp-default",
			"IRSA405 pass Deployment payments/reports: the pod spec shows no Fargate, Windows or hostNetwork\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00",
		}},
		{name: "Fargate from the Node", mods: []func(*snapshot.Snapshot){piNodeObj(piNode, "fargate", "linux")}, want: []string{
			"IRSA405 fail Pod payments/reports-6c9f7d8b5-q2w8e: the pod runs on AWS Fargate, where AWS does not support EKS Pod Identity (the agent does not run there): it gets no credentials from the association\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle nodes.json: node ip-10-0-1-23.eu-west-1.compute.internal: eks.amazonaws.com/compute-type=fargate",
			"IRSA405 pass Deployment payments/reports: the pod spec shows no Fargate, Windows or hostNetwork\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00",
		}},
		{name: "a Windows node selector on the template", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Workloads[0].Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "windows"}
			piPod(s).Spec.NodeSelector = map[string]string{"kubernetes.io/os": "windows"}
		}}, want: []string{
			"IRSA405 fail Deployment payments/reports: the pod runs on a Windows node, where AWS does not support EKS Pod Identity (the agent does not run there): it gets no credentials from the association\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle deployments.json: spec.nodeSelector: kubernetes.io/os: windows\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e has the same finding",
		}},
		{name: "hostNetwork is a warning", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			piPod(s).Spec.HostNetwork = true
			s.Workloads[0].Template.Spec.HostNetwork = true
		}}, want: []string{
			"IRSA405 fail Deployment payments/reports: the pod uses hostNetwork: AWS does not document EKS Pod Identity as unsupported there, but it is reported to fail for hostNetwork pods (aws/eks-pod-identity-agent#139: \"EKS does not have permissions to assume the associated role\") while working for others\n  severity: warning\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle deployments.json: spec.hostNetwork: true\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e has the same finding",
		}},
		{name: "an IRSA-only pod gets nothing", mods: []func(*snapshot.Snapshot){piIRSAOnly, piFargate}},
	})
}
