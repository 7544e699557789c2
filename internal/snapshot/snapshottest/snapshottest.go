// Package snapshottest builds small snapshots for tests: a payments
// namespace with a Deployment, its pods and their ServiceAccount, as
// kubectl would print them. Only tests import it.
package snapshottest

import (
	"fmt"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const (
	NS   = "payments"
	Role = "arn:aws:iam::111122223333:role/payments-api"
	Pod  = "api-7d9f8b6c5-x2k4p"
)

var Now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func Src(file string) snapshot.Source { return snapshot.Source{Kind: "bundle", Ref: file} }

// SA is ServiceAccount payments/NAME with annotations (key, value pairs).
func SA(name string, kv ...string) *snapshot.ServiceAccount {
	sa := &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: NS, UID: "sa-" + name,
		CreationTimestamp: "2026-01-10T09:00:00Z"}, Source: Src("serviceaccounts.json")}
	if len(kv) > 0 {
		sa.Annotations = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			sa.Annotations[kv[i]] = kv[i+1]
		}
	}
	return sa
}

// Snapshot: namespace payments, whose ServiceAccount List (api annotated
// with Role, and default) is in the input.
func Snapshot(mods ...func(*snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("offline")
	for _, sa := range []*snapshot.ServiceAccount{SA("default"), SA("api", webhook.AnnotationRoleARN, Role)} {
		s.ServiceAccounts[snapshot.Key(sa.Namespace, sa.Name)] = sa
	}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: NS, Source: Src("serviceaccounts.json")})
	for _, m := range mods {
		m(s)
	}
	return s
}

// Spec is a pod spec running as ServiceAccount api with one container app.
func Spec() snapshot.PodSpec {
	return snapshot.PodSpec{ServiceAccountName: "api", Containers: []snapshot.Container{{Name: "app", Image: "ghcr.io/example/payments-api:1.4.2"}}}
}

// Deployment is Deployment payments/api; mods change it.
func Deployment(mods ...func(*snapshot.Workload)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		w := &snapshot.Workload{Kind: "Deployment", APIVersion: "apps/v1",
			ObjectMeta: snapshot.ObjectMeta{Name: "api", Namespace: NS, UID: "dep-api"},
			Template:   snapshot.PodTemplate{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"app": "api"}}, Spec: Spec()},
			Source:     Src("deployments.json")}
		for _, m := range mods {
			m(w)
		}
		s.Workloads = append(s.Workloads, w)
	}
}

// BarePod is pod payments/NAME without an owner; mods change it.
func BarePod(name string, mods ...func(*snapshot.Pod)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: NS, UID: "pod-" + name, CreationTimestamp: "2026-11-20T08:00:00Z"},
			Spec: Spec(), Status: snapshot.PodStatus{Phase: "Running"}, Source: Src("pods.json")}
		for _, m := range mods {
			m(p)
		}
		s.Pods = append(s.Pods, p)
	}
}

// OwnedPod is a pod of Deployment api (through ReplicaSet api-7d9f8b6c5).
func OwnedPod(mods ...func(*snapshot.Pod)) func(*snapshot.Snapshot) {
	yes := true
	return BarePod(Pod, append([]func(*snapshot.Pod){func(p *snapshot.Pod) {
		p.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"}
		p.OwnerReferences = []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", UID: "rs-api", Controller: &yes}}
	}}, mods...)...)
}

// Mutated gives the pod what the webhook injects for Role.
func Mutated(p *snapshot.Pod) {
	exp := webhook.DefaultExpiration
	mode := int32(420)
	p.Spec.Volumes = append([]snapshot.Volume{{Name: webhook.VolumeName, Projected: &snapshot.ProjectedVolume{DefaultMode: &mode,
		Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: webhook.DefaultAudience, ExpirationSeconds: &exp, Path: "token"}}}}}},
		p.Spec.Volumes...)
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		c.Env = append(c.Env, snapshot.EnvVar{Name: webhook.EnvRoleARN, Value: Role}, snapshot.EnvVar{Name: webhook.EnvTokenFile, Value: webhook.TokenPath})
		c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true})
	}
}

func I64(v int64) *int64 { return &v }

// fxRun runs the checks and renders every finding as one line per finding

func Cluster(name, account, region string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Clusters = append(s.Clusters, &snapshot.Cluster{Name: name, Account: account, Region: region,
			ARN:    fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, account, name),
			Issuer: "https://oidc.eks." + region + ".amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", Source: Src("describe-cluster.json")})
	}
}

// Association adds a Pod Identity association (list-pod-identity-associations).
func Association(cluster, account, region, ns, sa string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		id := fmt.Sprintf("a-%s%s", ns, sa)
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, &snapshot.PodIdentityAssociation{
			ClusterName: cluster, Namespace: ns, ServiceAccount: sa, ID: id, Account: account, Region: region,
			ARN:    fmt.Sprintf("arn:aws:eks:%s:%s:podidentityassociation/%s/%s", region, account, cluster, id),
			Source: Src("pod-identity-associations.json")})
	}
}

func Bool(b bool) *bool { return &b }

// TrustStatement renders one statement of the EKS documentation's form.
func TrustStatement(provider, hp, op, sub, aud string) string {
	return fmt.Sprintf(`{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{%q:{%q:%q,%q:%q}}}`,
		provider, op, hp+":sub", sub, hp+":aud", aud)
}

func PolicyDoc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

const (
	NodeName = "ip-192-168-33-74.us-west-2.compute.internal"
	Instance = "i-0a1b2c3d4e5f60718"
	Profile  = "arn:aws:iam::111122223333:instance-profile/eks-general"
)

// Node adds the EC2 node NodeName; mods change it.
func Node(mods ...func(*snapshot.Node)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		n := &snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Name: NodeName, Labels: map[string]string{"kubernetes.io/os": "linux"}},
			Spec: snapshot.NodeSpec{ProviderID: "aws:///us-west-2a/" + Instance}, Source: Src("nodes.json")}
		for _, m := range mods {
			m(n)
		}
		s.Nodes = append(s.Nodes, n)
	}
}

// EC2 adds the instance of NodeName with IMDS settings tokens and hop.
func EC2(tokens string, hop int, mods ...func(*snapshot.EC2Instance)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		i := &snapshot.EC2Instance{InstanceID: Instance, State: "running", InstanceProfileARN: Profile,
			Metadata: snapshot.MetadataOptions{HTTPTokens: tokens, HopLimit: &hop, HTTPEndpoint: "enabled"}, Source: Src("describe-instances.json")}
		for _, m := range mods {
			m(i)
		}
		s.Instances = append(s.Instances, i)
	}
}

// OnNode schedules a pod on NodeName.
func OnNode(p *snapshot.Pod) { p.Spec.NodeName = NodeName }

func Lit(name, value string) snapshot.EnvVar { return snapshot.EnvVar{Name: name, Value: value} }

func SecretEnv(name, secret, key string, optional bool) snapshot.EnvVar {
	ks := &snapshot.KeySelector{Name: secret, Key: key}
	if optional {
		yes := true
		ks.Optional = &yes
	}
	return snapshot.EnvVar{Name: name, ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: ks}}
}
