package check

// Fixtures shared by the EKS Pod Identity checks' tests (IRSA402-IRSA406,
// IRSA410): namespace payments of cluster prod (account 111122223333,
// eu-west-1), whose ServiceAccount reports has an association to role
// payments-reports, and a Deployment reports whose pod was mutated for Pod
// Identity on node ip-10-0-1-23.

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const (
	piAcct     = "111122223333"
	piRegion   = "eu-west-1"
	piRole     = "arn:aws:iam::111122223333:role/payments-reports"
	piAssocID  = "a-1b2c3d4e5f6a7b8c9"
	piPodName  = "reports-6c9f7d8b5-q2w8e"
	piNode     = "ip-10-0-1-23.eu-west-1.compute.internal"
	piOther    = "ip-10-0-2-45.eu-west-1.compute.internal"
	piCreated  = "2026-11-10T09:00:00.123000+00:00"
	piPodAfter = "2026-11-20T08:00:00Z"
)

// piTrust is the trust policy EKS documents for a Pod Identity role.
const piTrust = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowEksAuthToAssumeRoleForPodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

// piSnapshot: cluster prod; ServiceAccounts default and reports in
// payments (a complete List); the association of reports, described; the
// role with piTrust; Deployment reports and its pod, mutated for Pod
// Identity, created after the association; mods change it.
func piSnapshot(mods ...func(*snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("offline")
	s.Clusters = []*snapshot.Cluster{{Name: "prod", ARN: "arn:aws:eks:eu-west-1:111122223333:cluster/prod", Region: piRegion, Account: piAcct,
		Version: "1.31", Issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", Source: fx.Src("describe-cluster.json")}}
	for _, sa := range []*snapshot.ServiceAccount{fx.SA("default"), fx.SA("reports")} {
		s.ServiceAccounts[snapshot.Key(sa.Namespace, sa.Name)] = sa
	}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: fx.NS, Source: fx.Src("serviceaccounts.json")})
	s.PodIdentityAssociations = append(s.PodIdentityAssociations, piAssoc("reports"))
	s.Roles[piRole] = &snapshot.Role{ARN: piRole, Name: "payments-reports", Path: "/", Account: piAcct, TrustPolicy: piTrust, Source: fx.Src("get-role.json")}
	yes := true
	spec := snapshot.PodSpec{ServiceAccountName: "reports", Containers: []snapshot.Container{{Name: "app", Image: "ghcr.io/example/reports:2.0.1"}}}
	s.Workloads = append(s.Workloads, &snapshot.Workload{Kind: "Deployment", APIVersion: "apps/v1",
		ObjectMeta: snapshot.ObjectMeta{Name: "reports", Namespace: fx.NS, UID: "dep-reports"},
		Template:   snapshot.PodTemplate{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"app": "reports"}}, Spec: spec},
		Source:     fx.Src("deployments.json")})
	p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Name: piPodName, Namespace: fx.NS, UID: "0f7c1e52-8d4b-4a51-9c1e-2f4a5b6c7d8e",
		CreationTimestamp: piPodAfter, Labels: map[string]string{"app": "reports", "pod-template-hash": "6c9f7d8b5"},
		OwnerReferences: []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "reports-6c9f7d8b5", Controller: &yes}}},
		Spec: spec, Status: snapshot.PodStatus{Phase: "Running"}, Source: fx.Src("pods.json")}
	p.Spec.Containers = []snapshot.Container{{Name: "app", Image: "ghcr.io/example/reports:2.0.1"}}
	p.Spec.NodeName = piNode
	piInject(p)
	s.Pods = append(s.Pods, p)
	for _, m := range mods {
		m(s)
	}
	s.Sort()
	return s
}

// piAssoc is the described association of payments/SA.
func piAssoc(sa string) *snapshot.PodIdentityAssociation {
	no := false
	id := piAssocID
	if sa != "reports" {
		id = "a-" + sa + "0000000000"
	}
	return &snapshot.PodIdentityAssociation{ClusterName: "prod", Namespace: fx.NS, ServiceAccount: sa, ID: id,
		ARN: "arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod/" + id, Region: piRegion, Account: piAcct,
		RoleARN: piRole, DisableSessionTags: &no, CreatedAt: piCreated, ModifiedAt: piCreated, Detailed: true,
		Source: fx.Src("describe-pod-identity-association.json")}
}

// piInject gives the pod what the webhook injects for Pod Identity
// (docs/reference/webhook.md#pod-identity-mode).
func piInject(p *snapshot.Pod) {
	exp := int64(86400)
	p.Labels[webhook.LabelPodIdentity] = "enabled"
	p.Spec.Volumes = append([]snapshot.Volume{{Name: webhook.PodIdentityVolumeName, Projected: &snapshot.ProjectedVolume{
		Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: webhook.PodIdentityAudience, ExpirationSeconds: &exp, Path: "eks-pod-identity-token"}}}}}},
		p.Spec.Volumes...)
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		c.Env = append(c.Env, snapshot.EnvVar{Name: webhook.EnvContainerFullURI, Value: webhook.PodIdentityFullURI},
			snapshot.EnvVar{Name: webhook.EnvContainerToken, Value: webhook.PodIdentityTokenPath})
		c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: webhook.PodIdentityVolumeName, MountPath: webhook.PodIdentityMountPath, ReadOnly: true})
	}
}

// piPod returns the pod of Deployment reports.
func piPod(s *snapshot.Snapshot) *snapshot.Pod {
	for _, p := range s.Pods {
		if p.Name == piPodName {
			return p
		}
	}
	return nil
}

// piUninjected makes the pod one created without the injection, at created.
func piUninjected(created string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		p := piPod(s)
		p.CreationTimestamp = created
		p.Spec.Volumes = nil
		delete(p.Labels, webhook.LabelPodIdentity)
		p.Spec.Containers = []snapshot.Container{{Name: "app", Image: "ghcr.io/example/reports:2.0.1"}}
	}
}

// piAgent adds the agent DaemonSet and one pod per node (ready or not),
// with complete Lists of both.
func piAgent(ready map[string]bool) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		yes := true
		spec := snapshot.PodSpec{HostNetwork: true, Containers: []snapshot.Container{{Name: "eks-pod-identity-agent",
			Image: "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/eks-pod-identity-agent:0.1.29"}}}
		s.Workloads = append(s.Workloads, &snapshot.Workload{Kind: "DaemonSet", APIVersion: "apps/v1",
			ObjectMeta: snapshot.ObjectMeta{Name: "eks-pod-identity-agent", Namespace: "kube-system"},
			Template:   snapshot.PodTemplate{Spec: spec}, Source: fx.Src("daemonsets.json")})
		s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindDaemonSet, Namespace: "kube-system", Source: fx.Src("daemonsets.json")},
			snapshot.Listing{Kind: snapshot.KindPodIdentityAgent, Namespace: "kube-system", Source: fx.Src("agent-pods.json")})
		i := 0
		for node, ok := range ready {
			i++
			status := "False"
			if ok {
				status = "True"
			}
			sp := spec
			sp.NodeName = node
			name := "eks-pod-identity-agent-" + map[bool]string{true: "x7k2p", false: "m4n8q"}[ok]
			s.Pods = append(s.Pods, &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: "kube-system",
				OwnerReferences: []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "eks-pod-identity-agent", Controller: &yes}}},
				Spec: sp, Status: snapshot.PodStatus{Phase: "Running", Conditions: []snapshot.PodCondition{{Type: "Ready", Status: status}}},
				Source: fx.Src("agent-pods.json")})
		}
	}
}

func TestPodIdentityTargets(t *testing.T) {
	missingSA := func(s *snapshot.Snapshot) {
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, piAssoc("report"))
	}
	otherNS := func(s *snapshot.Snapshot) {
		a := piAssoc("billing")
		a.Namespace = "billing"
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, a)
	}
	unusedSA := func(s *snapshot.Snapshot) {
		s.ServiceAccounts["payments/exports"] = fx.SA("exports")
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, piAssoc("exports"))
	}
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		sel  model.Selector
		want map[string]string
	}{
		{
			name: "a Pod Identity workload and its pod are targets without any IRSA intent",
			snap: piSnapshot(),
			want: map[string]string{"Deployment/payments/reports": model.MechanismPodIdentity, "Pod/payments/" + piPodName: model.MechanismPodIdentity},
		},
		{
			// One of an uncaptured namespace is a target too: IRSA402
			// skips it with the reason (docs/contract.md#absence-needs-proof).
			name: "an association whose ServiceAccount the input lacks is a target, with or without proof",
			snap: piSnapshot(missingSA, otherNS),
			want: map[string]string{"Deployment/payments/reports": model.MechanismPodIdentity, "Pod/payments/" + piPodName: model.MechanismPodIdentity,
				"PodIdentityAssociation/payments/a-report0000000000": model.MechanismPodIdentity,
				"PodIdentityAssociation/billing/a-billing0000000000": model.MechanismPodIdentity},
		},
		{
			name: "an unused ServiceAccount with an association is a ServiceAccount target",
			snap: piSnapshot(unusedSA),
			want: map[string]string{"Deployment/payments/reports": model.MechanismPodIdentity, "Pod/payments/" + piPodName: model.MechanismPodIdentity,
				"ServiceAccount/payments/exports": model.MechanismPodIdentity},
		},
		{
			name: "--service-account names the association's ServiceAccount",
			snap: piSnapshot(missingSA),
			sel:  model.Selector{SAs: []model.NamespacedName{{Namespace: fx.NS, Name: "report"}}},
			want: map[string]string{"PodIdentityAssociation/payments/a-report0000000000": model.MechanismPodIdentity},
		},
		{
			name: "-n of another namespace leaves the association out",
			snap: piSnapshot(missingSA),
			sel:  model.Selector{Namespaces: []string{"billing"}},
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, tg := range model.Targets(tt.snap, tt.sel, model.NewIndex(tt.snap)) {
				got[tg.Key()] = tg.Mechanism
			}
			fxAssertMap(t, got, tt.want)
		})
	}
}

// piCase is one case of a Pod Identity check's table test: the healthy
// piSnapshot changed by mods, judged with sel, and the check's findings
// as fxRun renders them with details.
type piCase struct {
	name string
	mods []func(*snapshot.Snapshot)
	sel  model.Selector
	want []string
}

// piRunCases runs the cases of one check.
func piRunCases(t *testing.T, c *Check, cases []piCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fxAssert(t, piLines(t, piSnapshot(tc.mods...), tc.sel, c), tc.want)
		})
	}
}

// piLines runs every Pod Identity check (their order and cascades matter)
// and keeps the lines of check c.
func piLines(t *testing.T, s *snapshot.Snapshot, sel model.Selector, c *Check) []string {
	t.Helper()
	return fxOnly(fxRun(t, s, sel, true, irsa402, irsa403, irsa404, irsa405, irsa406, irsa410), c.ID)
}

// piAddAssoc adds the association of payments/SA.
func piAddAssoc(sa string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) { s.PodIdentityAssociations = append(s.PodIdentityAssociations, piAssoc(sa)) }
}

// piSetTrust replaces the role's trust policy.
func piSetTrust(doc string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) { s.Roles[piRole].TrustPolicy = doc }
}

// piNoRole proves the role missing with get-role's NoSuchEntity text.
func piNoRole(s *snapshot.Snapshot) {
	delete(s.Roles, piRole)
	s.NotFounds = append(s.NotFounds, snapshot.NotFound{Kind: snapshot.KindRole, Name: "payments-reports",
		Message: "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name payments-reports cannot be found.",
		Source:  fx.Src("get-role.txt")})
}

// piListOnly leaves the associations as list-pod-identity-associations
// prints them: no role, no createdAt.
func piListOnly(s *snapshot.Snapshot) {
	for _, a := range s.PodIdentityAssociations {
		a.RoleARN, a.CreatedAt, a.ModifiedAt, a.DisableSessionTags, a.Detailed = "", "", "", nil, false
		a.Source = fx.Src("list-pod-identity-associations.json")
	}
}

// piIRSAOnly removes the association: an IRSA-only ServiceAccount.
func piIRSAOnly(s *snapshot.Snapshot) {
	s.PodIdentityAssociations = nil
	s.ServiceAccounts["payments/reports"].Annotations = map[string]string{webhook.AnnotationRoleARN: fx.Role}
	p := piPod(s)
	p.Spec.Volumes = nil
	delete(p.Labels, webhook.LabelPodIdentity)
	p.Spec.Containers = []snapshot.Container{{Name: "app", Image: "ghcr.io/example/reports:2.0.1"}}
	fx.Mutated(p)
}

// piNamespaceList adds a cluster-wide Namespace List of payments and
// kube-system.
func piNamespaceList(s *snapshot.Snapshot) {
	for _, ns := range []string{"payments", "kube-system"} {
		s.Namespaces[ns] = &snapshot.Namespace{ObjectMeta: snapshot.ObjectMeta{Name: ns}, Source: fx.Src("namespaces.json")}
	}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindNamespace, AllNamespaces: true, Source: fx.Src("namespaces.json")})
}

// piDaemonSetList: a complete List of the DaemonSets of kube-system,
// without the agent.
func piDaemonSetList(s *snapshot.Snapshot) {
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindDaemonSet, Namespace: "kube-system", Source: fx.Src("daemonsets.json")})
}

// piNoAgentPodList drops the List of the agent's pods.
func piNoAgentPodList(s *snapshot.Snapshot) {
	var keep []snapshot.Listing
	for _, l := range s.Listings {
		if l.Kind != snapshot.KindPodIdentityAgent {
			keep = append(keep, l)
		}
	}
	s.Listings = keep
}

// piAutoMode makes the cluster an EKS Auto Mode cluster.
func piAutoMode(s *snapshot.Snapshot) {
	yes := true
	s.Clusters[0].AutoMode = &yes
}

// piFargate puts the pod on Fargate, as Fargate labels and names it.
func piFargate(s *snapshot.Snapshot) {
	p := piPod(s)
	p.Labels["eks.amazonaws.com/fargate-profile"] = "fp-default"
	p.Spec.NodeName = "fargate-ip-10-0-3-7.eu-west-1.compute.internal"
}

// piNodeObj adds the Node called name with a compute type ("" for an
// ordinary EC2 node) and operating system.
func piNodeObj(name, compute, os string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		labels := map[string]string{snapshot.LabelOS: os, snapshot.LabelInstanceType: "m6i.large"}
		if compute != "" {
			labels[snapshot.LabelComputeType] = compute
		}
		s.Nodes = append(s.Nodes, &snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Name: name, Labels: labels}, Source: fx.Src("nodes.json")})
	}
}
