package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const (
	nrInstance = "i-0a1b2c3d4e5f60718"
	nrProfile  = "arn:aws:iam::111122223333:instance-profile/eks-general-5ac8e0f2"
	nrRole     = "arn:aws:iam::111122223333:role/eks-node-general"
	nrCustom   = "arn:aws:iam::111122223333:policy/eks-node-base"
	nrCNI      = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
	nrECR      = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
	nrWorker   = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
)

// nrNode gives the pod's node its EC2 instance, instance profile and role,
// with these attached policies and inline documents (name -> document).
func nrNode(attached []string, inline map[string]string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		piNodeObj(piNode, "", "linux")(s)
		s.Node(piNode).Spec.ProviderID = "aws:///eu-west-1a/" + nrInstance
		s.Instances = append(s.Instances, &snapshot.EC2Instance{InstanceID: nrInstance, InstanceProfileARN: nrProfile, Source: fx.Src("describe-instances.json")})
		s.InstanceProfiles = append(s.InstanceProfiles, &snapshot.InstanceProfile{ARN: nrProfile, Name: "eks-general-5ac8e0f2", Account: piAcct,
			RoleName: "eks-node-general", RoleARN: nrRole, Source: fx.Src("node-role.json")})
		rp := &snapshot.RolePolicies{RoleName: "eks-node-general", AttachedKnown: true, AttachedComplete: true, AttachedSource: fx.Src("node-role.json"),
			InlineKnown: true, InlineComplete: true, InlineSource: fx.Src("node-role.json")}
		for _, a := range attached {
			rp.Attached = append(rp.Attached, snapshot.AttachedPolicy{Name: a[len("arn:aws:iam::aws:policy/"):], ARN: a})
			if a == nrCustom {
				rp.Attached[len(rp.Attached)-1].Name = "eks-node-base"
			}
		}
		for name, doc := range inline {
			rp.InlineNames = append(rp.InlineNames, name)
			if doc != "" {
				rp.Inline = append(rp.Inline, snapshot.InlinePolicy{Name: name, Document: doc, Source: fx.Src("node-role.json")})
			}
		}
		s.RolePolicies = append(s.RolePolicies, rp)
	}
}

// nrCustomDoc adds the document of the customer-managed policy.
func nrCustomDoc(doc string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.ManagedPolicies = append(s.ManagedPolicies, &snapshot.ManagedPolicy{ARN: nrCustom, Name: "eks-node-base", DefaultVersionID: "v3",
			Source: fx.Src("policy.json"), Document: doc, VersionID: "v3", DocumentSource: fx.Src("policy.json")})
	}
}

func TestIRSA411(t *testing.T) {
	const (
		nodeEv = "\n  evidence: bundle nodes.json: node " + piNode + ": instance " + nrInstance +
			"\n  evidence: bundle describe-instances.json: instance " + nrInstance + ": instance profile " + nrProfile +
			"\n  evidence: bundle node-role.json: instance profile eks-general-5ac8e0f2: role " + nrRole
		folded   = "\n  evidence: bundle pods.json: pod payments/" + piPodName + " has the same finding"
		denyDoc  = `{"Version":"2012-10-17","Statement":[{"Sid":"NoPodIdentity","Effect":"Deny","Action":"eks-auth:*","Resource":"*"}]}`
		allowDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"PodIdentity","Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"arn:aws:eks:eu-west-1:111122223333:cluster/prod"}]}`
		otherDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"Describe","Effect":"Allow","Action":["ec2:Describe*","eks:DescribeCluster"],"Resource":"*"}]}`
		condDoc  = `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyFromVpc","Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-0a1b2c3d"}}}]}`
	)
	nrRunCases(t, []piCase{
		{name: "AmazonEKSWorkerNodePolicy allows it", mods: []func(*snapshot.Snapshot){nrNode([]string{nrWorker, nrCNI, nrECR}, nil)}, want: []string{
			"IRSA411 pass Deployment payments/reports: node role eks-node-general allows eks-auth:AssumeRoleForPodIdentity through AWS managed policy AmazonEKSWorkerNodePolicy" + nodeEv +
				"\n  evidence: bundle node-role.json: managed policies attached to eks-node-general: AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, AmazonEC2ContainerRegistryReadOnly" +
				"\n  evidence: bundle node-role.json: inline policies of eks-node-general: none" +
				"\n  evidence: bundle node-role.json: AWS managed policy AmazonEKSWorkerNodePolicy allows eks-auth:AssumeRoleForPodIdentity on every resource (AWS Managed Policy Reference)" + folded,
		}},
		{name: "a customer policy allows it on the cluster", mods: []func(*snapshot.Snapshot){nrNode([]string{nrCNI, nrCustom}, nil), nrCustomDoc(allowDoc)}, want: []string{
			"IRSA411 pass Deployment payments/reports: node role eks-node-general allows eks-auth:AssumeRoleForPodIdentity through managed policy eks-node-base" + nodeEv +
				"\n  evidence: bundle node-role.json: managed policies attached to eks-node-general: AmazonEKS_CNI_Policy, eks-node-base" +
				"\n  evidence: bundle node-role.json: inline policies of eks-node-general: none" +
				"\n  evidence: bundle policy.json: managed policy eks-node-base: allowed: statement \"PodIdentity\" allows eks-auth:AssumeRoleForPodIdentity" + folded,
		}},
		{name: "no policy allows it", mods: []func(*snapshot.Snapshot){nrNode([]string{nrCNI, nrECR, nrCustom}, nil), nrCustomDoc(otherDoc)}, want: []string{
			"IRSA411 fail Deployment payments/reports: node role eks-node-general allows eks-auth:AssumeRoleForPodIdentity in none of its 3 policies, so the EKS Pod Identity Agent on its nodes cannot get the pod's credentials (EKS Auth answers AccessDeniedException)" + nodeEv +
				"\n  evidence: bundle node-role.json: managed policies attached to eks-node-general: AmazonEKS_CNI_Policy, AmazonEC2ContainerRegistryReadOnly, eks-node-base" +
				"\n  evidence: bundle node-role.json: inline policies of eks-node-general: none" +
				"\n  evidence: bundle policy.json: managed policy eks-node-base: implicitly denied: statement \"Describe\" allows action \"ec2:Describe*\" or \"eks:DescribeCluster\"; the request is for \"eks-auth:AssumeRoleForPodIdentity\"" + folded +
				"\n  fix: aws iam attach-role-policy --role-name eks-node-general --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		}},
		{name: "an explicit Deny wins", mods: []func(*snapshot.Snapshot){nrNode([]string{nrWorker}, map[string]string{"no-pod-identity": denyDoc})}, want: []string{
			"IRSA411 fail Deployment payments/reports: node role eks-node-general: inline policy no-pod-identity explicitly denies eks-auth:AssumeRoleForPodIdentity (statement \"NoPodIdentity\"), so the EKS Pod Identity Agent on its nodes cannot get the pod's credentials" + nodeEv +
				"\n  evidence: bundle node-role.json: managed policies attached to eks-node-general: AmazonEKSWorkerNodePolicy" +
				"\n  evidence: bundle node-role.json: inline policies of eks-node-general: no-pod-identity" +
				"\n  evidence: bundle node-role.json: AWS managed policy AmazonEKSWorkerNodePolicy allows eks-auth:AssumeRoleForPodIdentity on every resource (AWS Managed Policy Reference)" +
				"\n  evidence: bundle node-role.json: inline policy no-pod-identity: explicitly denied: statement \"NoPodIdentity\" denies eks-auth:AssumeRoleForPodIdentity" + folded,
		}},
		{name: "a condition cannot be decided", mods: []func(*snapshot.Snapshot){nrNode([]string{nrCNI}, map[string]string{"vpc-only": condDoc})}, want: []string{
			"IRSA411 skipped Deployment payments/reports: whether node role eks-node-general allows eks-auth:AssumeRoleForPodIdentity is undecided: inline policy vpc-only: undetermined: statement \"OnlyFromVpc\" may allow eks-auth:AssumeRoleForPodIdentity: it tests aws:SourceVpc with StringEquals, a key the agent's request may carry but this evaluator was not given" + nodeEv +
				"\n  evidence: bundle node-role.json: managed policies attached to eks-node-general: AmazonEKS_CNI_Policy" +
				"\n  evidence: bundle node-role.json: inline policies of eks-node-general: vpc-only" + folded,
		}},
		{name: "a customer policy's document is missing", mods: []func(*snapshot.Snapshot){nrNode([]string{nrWorker, nrCustom}, nil)}, want: []string{
			"IRSA411 skipped Deployment payments/reports: node role eks-node-general allows eks-auth:AssumeRoleForPodIdentity through AWS managed policy AmazonEKSWorkerNodePolicy, but a Deny elsewhere would win: the documents of managed policy eks-node-base are not in the input\n  evidence: bundle nodes.json: node ip-10-0-1-23.eu-west-1.compute.internal: instance i-0a1b2c3d4e5f60718\n  evidence: bundle describe-instances.json: instance i-0a1b2c3d4e5f60718: instance profile arn:aws:iam::111122223333:instance-profile/eks-general-5ac8e0f2\n  evidence: bundle node-role.json: instance profile eks-general-5ac8e0f2: role arn:aws:iam::111122223333:role/eks-node-general\n  evidence: bundle node-role.json: managed policies attached to eks-node-general: AmazonEKSWorkerNodePolicy, eks-node-base\n  evidence: bundle node-role.json: inline policies of eks-node-general: none\n  evidence: bundle node-role.json: AWS managed policy AmazonEKSWorkerNodePolicy allows eks-auth:AssumeRoleForPodIdentity on every resource (AWS Managed Policy Reference)\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e has the same finding\n  fix: aws iam get-policy --policy-arn arn:aws:iam::111122223333:policy/eks-node-base --output json\n  fix: # aws iam get-policy-version --policy-arn arn:aws:iam::111122223333:policy/eks-node-base --version-id DEFAULT_VERSION_ID --output json",
		}},
		{name: "the role's policies are not in the input", mods: []func(*snapshot.Snapshot){nrNode(nil, nil), func(s *snapshot.Snapshot) { s.RolePolicies = nil }}, want: []string{
			"IRSA411 skipped Deployment payments/reports: the permission policies of node role eks-node-general are not in the input: capture them after the role's get-instance-profile output, in the same file" + nodeEv + folded +
				"\n  fix: aws iam list-attached-role-policies --role-name eks-node-general --output json" +
				"\n  fix: aws iam list-role-policies --role-name eks-node-general --output json",
		}},
		{name: "the instance profile could not be read", mods: []func(*snapshot.Snapshot){nrNode(nil, nil), func(s *snapshot.Snapshot) {
			s.InstanceProfiles = nil
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: "iam:GetInstanceProfile", Resource: nrProfile, Reason: "AccessDenied: not authorized (grant iam:GetInstanceProfile)"})
		}}, want: []string{
			"IRSA411 skipped Deployment payments/reports: the instance profile of the pod's node could not be read (AccessDenied: not authorized (grant iam:GetInstanceProfile))" +
				"\n  evidence: bundle nodes.json: node " + piNode + ": instance " + nrInstance +
				"\n  evidence: bundle describe-instances.json: instance " + nrInstance + ": instance profile " + nrProfile + folded +
				"\n  fix: aws iam get-instance-profile --instance-profile-name eks-general-5ac8e0f2 --output json",
		}},
		{name: "the node is not in the input", want: []string{
			"IRSA411 skipped Deployment payments/reports: the pod's node is not in the input, so its EC2 instance and node role are unknown" +
				"\n  evidence: bundle pods.json: pod payments/" + piPodName + ": spec.nodeName: " + piNode + folded + "\n  fix: kubectl get nodes -o json",
		}},
		{name: "Auto Mode nodes have no node role of the user's", mods: []func(*snapshot.Snapshot){piNodeObj(piNode, "auto", "linux")}},
		{name: "Fargate has none either", mods: []func(*snapshot.Snapshot){piFargate}},
		{name: "a pod that predates its association is IRSA406's", mods: []func(*snapshot.Snapshot){nrNode([]string{nrCNI}, nil), piUninjected("2026-11-01T08:00:00Z")}, want: []string{
			"IRSA411 skipped Deployment payments/reports: no pod of the workload in the input uses EKS Pod Identity yet, so which nodes, and so which node roles, it runs on is unknown (capture: kubectl get pods,nodes -o json)",
		}},
		{name: "an IRSA-only pod gets nothing", mods: []func(*snapshot.Snapshot){nrNode([]string{nrCNI}, nil), piIRSAOnly}},
	})
}

// nrRunCases runs IRSA411 with the other Pod Identity checks (their
// order and cascades matter) and keeps its lines.
func nrRunCases(t *testing.T, cases []piCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := piSnapshot(tc.mods...)
			fxAssert(t, fxOnly(fxRun(t, s, tc.sel, true, irsa402, irsa403, irsa404, irsa405, irsa406, irsa410, irsa411), "IRSA411"), tc.want)
		})
	}
}

// TestAWSManagedName: only arn:PARTITION:iam::aws:policy/... is an AWS
// managed policy.
func TestAWSManagedName(t *testing.T) {
	for _, tc := range []struct {
		arn, name string
		ok        bool
	}{
		{"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "AmazonEKSWorkerNodePolicy", true},
		{"arn:aws-cn:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy", "service-role/AmazonEBSCSIDriverPolicy", true},
		{"arn:aws:iam::111122223333:policy/AmazonEKSWorkerNodePolicy", "", false},
		{"arn:aws:iam::aws:role/x", "", false},
		{"not an arn", "", false},
	} {
		t.Run(tc.arn, func(t *testing.T) {
			name, ok := model.AwsManagedName(tc.arn)
			if name != tc.name || ok != tc.ok {
				t.Errorf("awsManagedName(%q) = %q, %v; want %q, %v", tc.arn, name, ok, tc.name, tc.ok)
			}
		})
	}
}
