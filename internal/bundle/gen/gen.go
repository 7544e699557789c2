// Package gen writes synthetic bundles for benchmarks and load tests: the
// files a user would capture with kubectl and the AWS CLI for a large
// cluster, with every object as those tools print it (full metadata with
// managedFields, status, the webhook's injected env, volumes and mounts;
// nothing trimmed), so that reading them costs what reading a real bundle
// costs.
//
// The output is deterministic for a Config. It imports nothing of the
// project: the bundle reader's tests import it.
package gen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config sizes the bundle. Zero fields take the defaults.
type Config struct {
	Pods            int // default 10,000, in one `kubectl get pods -A -o json`
	ServiceAccounts int // default 2,000, spread over the namespaces
	Roles           int // default 500, as get-role outputs in one file
	Namespaces      int // default 50
	Seed            uint64
	Account         string // default 111122223333
	Region          string // default us-west-2
	Cluster         string // default prod
	// Issuer is the cluster's OIDC issuer, host/path without the scheme;
	// default a random EKS issuer of the region. A test sets it to embed a
	// small bundle of the same cluster in a large one.
	Issuer string

	// The fields below are 0 by default, and then the bundle is what it was
	// before they existed (byte for byte): the benchmark bundles of issue 14
	// stay comparable.

	// Deployments, when > 0, adds kube/deployments.json (`kubectl get
	// deployments -A -o json`) and makes the pods theirs: pod i belongs to
	// Deployment i mod Deployments, through a ReplicaSet DEPLOYMENT-HASH
	// that the bundle does not hold (the pod's pod-template-hash is HASH),
	// as kubectl prints the pods of a Deployment.
	Deployments int
	// PodIdentityAssociations, when > 0, adds the EKS Pod Identity
	// associations of the cluster: `aws eks list-pod-identity-associations`
	// (one value) and one `aws eks describe-pod-identity-association`
	// value per association, all in one file. Each is for a ServiceAccount
	// pod-identity-NNNNN that the bundle does not hold, so that each is a
	// target of its own.
	PodIdentityAssociations int
	// PodLayout is how the pods are printed: one List (default), one file
	// per pod, one value per pod in one file, or one List per namespace.
	PodLayout Layout
}

// Layout is how Write prints the pods.
type Layout int

const (
	// PodList is one `kubectl get pods -A -o json` in PodsFile.
	PodList Layout = iota
	// PodFiles is one `kubectl get pod -n NS NAME -o json` per pod, each
	// in its own file under PodsDir: a folder of many files.
	PodFiles
	// PodValues is the same outputs one after the other in PodsFile: many
	// values in one file.
	PodValues
	// PodNamespaces is one `kubectl get pods -n NS -o json` per namespace,
	// each in its own file under PodsDir: a large cluster's pods in files
	// under the reader's size limit (256 MiB; the List of 100,000 pods is
	// 1.2 GB).
	PodNamespaces
)

// ParseLayout reads a Layout's name: list, files or values.
func ParseLayout(s string) (Layout, error) {
	for l, name := range layoutNames {
		if s == name {
			return Layout(l), nil
		}
	}
	return 0, fmt.Errorf("pod layout %q: want list, files, values or namespaces", s)
}

var layoutNames = []string{"list", "files", "values", "namespaces"}

func (l Layout) String() string {
	if int(l) < len(layoutNames) && l >= 0 {
		return layoutNames[l]
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

func (c *Config) defaults() {
	if c.Pods == 0 {
		c.Pods = 10000
	}
	if c.ServiceAccounts == 0 {
		c.ServiceAccounts = 2000
	}
	if c.Roles == 0 {
		c.Roles = 500
	}
	if c.Namespaces == 0 {
		c.Namespaces = 50
	}
	if c.Account == "" {
		c.Account = "111122223333"
	}
	if c.Region == "" {
		c.Region = "us-west-2"
	}
	if c.Cluster == "" {
		c.Cluster = "prod"
	}
}

// Files written by Write, relative to its dir.
const (
	PodsFile            = "kube/pods.json"
	ServiceAccountsFile = "kube/serviceaccounts.json"
	NamespacesFile      = "kube/namespaces.json"
	WebhooksFile        = "kube/mutatingwebhookconfigurations.json"
	VersionFile         = "kube/version.json"
	ClusterFile         = "aws/describe-cluster.json"
	CallerFile          = "aws/get-caller-identity.json"
	ProvidersFile       = "aws/list-open-id-connect-providers.json"
	ProviderFile        = "aws/get-open-id-connect-provider.json"
	RolesFile           = "aws/get-role.json"
	// With Config.Deployments, Config.PodIdentityAssociations and
	// PodFiles only.
	DeploymentsFile  = "kube/deployments.json"
	AssociationsFile = "aws/list-pod-identity-associations.json"
	AssociationFile  = "aws/describe-pod-identity-association.json"
	PodsDir          = "kube/pods"
)

// Write writes the bundle into dir, creating it.
func Write(dir string, cfg Config) error {
	cfg.defaults()
	if cfg.Pods < 0 || cfg.ServiceAccounts < cfg.Namespaces || cfg.Roles < 1 || cfg.Namespaces < 1 ||
		cfg.Deployments < 0 || cfg.PodIdentityAssociations < 0 || cfg.PodLayout < PodList || cfg.PodLayout > PodNamespaces {
		return fmt.Errorf("bundle config %+v: need pods >= 0, namespaces >= 1, service accounts >= namespaces (one default each), roles >= 1, deployments >= 0, associations >= 0, a known pod layout", cfg)
	}
	g := newGen(cfg)
	files := []genFile{
		{NamespacesFile, g.namespaces, false},
		{ServiceAccountsFile, g.serviceAccounts, false},
		{PodsFile, g.pods, cfg.PodLayout == PodValues},
		{WebhooksFile, g.webhooks, false},
		{VersionFile, g.version, false},
		{ClusterFile, g.cluster, false},
		{CallerFile, g.caller, false},
		{ProvidersFile, g.providerList, false},
		{ProviderFile, g.provider, false},
		{RolesFile, g.getRoles, true},
	}
	// Appended, not inserted: the random values are drawn in this order, and
	// the files above must not change when these are added.
	if cfg.Deployments > 0 {
		files = append(files, genFile{DeploymentsFile, g.deploymentList, false})
	}
	if cfg.PodIdentityAssociations > 0 {
		files = append(files, genFile{AssociationsFile, g.associationList, false}, genFile{AssociationFile, g.describeAssociations, true})
	}
	for _, f := range files {
		if f.name == PodsFile && cfg.PodLayout == PodFiles {
			if err := g.writePodFiles(filepath.Join(dir, filepath.FromSlash(PodsDir))); err != nil {
				return err
			}
			continue
		}
		if f.name == PodsFile && cfg.PodLayout == PodNamespaces {
			if err := g.writePodLists(filepath.Join(dir, filepath.FromSlash(PodsDir))); err != nil {
				return err
			}
			continue
		}
		if err := writeJSON(filepath.Join(dir, filepath.FromSlash(f.name)), f.v(), f.many); err != nil {
			return err
		}
	}
	return nil
}

// writePodLists writes the pods of each namespace as one List, NAMESPACE.json.
// The pods are made in the same order as for the other layouts (the same
// random values), then split.
func (g *gen) writePodLists(dir string) error {
	byNS := map[string][]any{}
	for i := range g.cfg.Pods {
		p := g.pod(i)
		ns := p["metadata"].(obj)["namespace"].(string)
		byNS[ns] = append(byNS[ns], p)
	}
	for _, ns := range g.nsNames {
		if err := writeJSON(filepath.Join(dir, ns+".json"), list(byNS[ns]), false); err != nil {
			return err
		}
	}
	return nil
}

type genFile struct {
	name string
	v    func() any
	many bool // several JSON values, one after the other
}

// writePodFiles writes each pod into its own file, NAMESPACE_NAME.json.
func (g *gen) writePodFiles(dir string) error {
	for i := range g.cfg.Pods {
		p := g.pod(i)
		meta := p["metadata"].(obj)
		name := fmt.Sprintf("%s_%s.json", meta["namespace"], meta["name"])
		if err := writeJSON(filepath.Join(dir, name), p, false); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON prints v as kubectl and the AWS CLI do: indented by four
// spaces, one trailing newline. With many, v is a []any printed as
// consecutive values.
func writeJSON(path string, v any, many bool) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	values := []any{v}
	if many {
		values = v.([]any)
	}
	for _, x := range values {
		if err := enc.Encode(x); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

type obj = map[string]any // kubectl prints unstructured objects: keys sorted

type gen struct {
	cfg     Config
	rnd     *rand.Rand
	base    time.Time
	issuer  string // host/path, no scheme
	nsNames []string
	sas     []sa
	roles   []string // role names
	deps    []deployment
	assocs  []association
}

type deployment struct {
	sa   sa
	name string
	hash string // pod-template-hash of its ReplicaSet
	pods int
}

type association struct {
	ns, sa, role, id string
}

type sa struct {
	ns, name, role string // role "" when not annotated
}

func newGen(cfg Config) *gen {
	g := &gen{cfg: cfg, rnd: rand.New(rand.NewPCG(cfg.Seed, 0x1b5a)), base: time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)}
	g.issuer = fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%032X", cfg.Region, g.rnd.Uint64())
	if cfg.Issuer != "" {
		g.issuer = cfg.Issuer
	}
	for i := range cfg.Namespaces {
		g.nsNames = append(g.nsNames, fmt.Sprintf("team-%03d", i))
	}
	for i := range cfg.Roles {
		g.roles = append(g.roles, fmt.Sprintf("%s-workload-%04d", cfg.Cluster, i))
	}
	// Every namespace has its default SA; the others are named per app,
	// and most carry a role ARN (a role may serve several SAs).
	for _, ns := range g.nsNames {
		g.sas = append(g.sas, sa{ns: ns, name: "default"})
	}
	for i := len(g.sas); i < cfg.ServiceAccounts; i++ {
		s := sa{ns: g.nsNames[i%len(g.nsNames)], name: fmt.Sprintf("app-%04d", i)}
		if i%5 != 0 {
			s.role = g.roles[i%len(g.roles)]
		}
		g.sas = append(g.sas, s)
	}
	// Deployments and associations draw from their own streams, so that
	// adding them leaves the rest of the bundle as it was.
	drnd := rand.New(rand.NewPCG(cfg.Seed, 0xde9))
	for d := range cfg.Deployments {
		s := g.sas[d%len(g.sas)]
		name := appName(s)
		if d >= len(g.sas) {
			name = fmt.Sprintf("%s-%d", name, d/len(g.sas))
		}
		pods := cfg.Pods / cfg.Deployments
		if d < cfg.Pods%cfg.Deployments {
			pods++
		}
		g.deps = append(g.deps, deployment{sa: s, name: name, hash: fmt.Sprintf("%010x", drnd.Uint64()>>24), pods: pods})
	}
	arnd := rand.New(rand.NewPCG(cfg.Seed, 0xa55))
	const idChars = "abcdefghijklmnopqrstuvwxyz0123456789"
	for k := range cfg.PodIdentityAssociations {
		id := []byte("a-")
		for range 17 {
			id = append(id, idChars[arnd.IntN(len(idChars))])
		}
		g.assocs = append(g.assocs, association{ns: g.nsNames[k%len(g.nsNames)], sa: fmt.Sprintf("pod-identity-%05d", k),
			role: g.roles[k%len(g.roles)], id: string(id)})
	}
	return g
}

// appName is the app of a ServiceAccount's pods: the SA's name, or web for
// a namespace's default SA.
func appName(s sa) string {
	if s.name == "default" {
		return "web"
	}
	return s.name
}

func (g *gen) roleARN(name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", g.cfg.Account, name)
}

func (g *gen) uid() string {
	a, b := g.rnd.Uint64(), g.rnd.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}

func (g *gen) ts(offset time.Duration) string { return g.base.Add(offset).Format(time.RFC3339) }

func (g *gen) hex(n int) string {
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "%016x", g.rnd.Uint64())
	}
	return b.String()[:n]
}

func list(items []any) obj {
	return obj{"apiVersion": "v1", "items": items, "kind": "List", "metadata": obj{"resourceVersion": ""}}
}

func (g *gen) namespaces() any {
	var items []any
	for i, ns := range g.nsNames {
		items = append(items, obj{
			"apiVersion": "v1", "kind": "Namespace",
			"metadata": obj{"creationTimestamp": g.ts(time.Duration(i) * time.Minute), "labels": obj{"kubernetes.io/metadata.name": ns},
				"name": ns, "resourceVersion": fmt.Sprint(1000 + i), "uid": g.uid()},
			"spec":   obj{"finalizers": []any{"kubernetes"}},
			"status": obj{"phase": "Active"},
		})
	}
	return list(items)
}

func (g *gen) serviceAccounts() any {
	var items []any
	for i, s := range g.sas {
		meta := obj{"creationTimestamp": g.ts(time.Duration(i) * time.Second), "name": s.name, "namespace": s.ns,
			"resourceVersion": fmt.Sprint(5000 + i), "uid": g.uid()}
		if s.role != "" {
			meta["annotations"] = obj{"eks.amazonaws.com/role-arn": g.roleARN(s.role)}
			meta["labels"] = obj{"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": s.name}
		}
		items = append(items, obj{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta})
	}
	return list(items)
}

func (g *gen) pods() any {
	items := make([]any, 0, g.cfg.Pods)
	for i := range g.cfg.Pods {
		items = append(items, g.pod(i))
	}
	if g.cfg.PodLayout == PodValues {
		return items
	}
	return list(items)
}

// pod is one pod as `kubectl get pods -A -o json` prints it: owned by a
// ReplicaSet, with managedFields, a projected kube-api-access volume and,
// when its SA has a role, what the pod identity webhook injects
// (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions).
func (g *gen) pod(i int) obj {
	s := g.sas[i%len(g.sas)]
	app := appName(s)
	hash := g.hex(10)
	ver := i // the image's version
	if len(g.deps) > 0 {
		d := g.deps[i%len(g.deps)]
		s, app, hash, ver = d.sa, d.name, d.hash, i%len(g.deps)
	}
	rsName := app + "-" + hash
	name := rsName + "-" + g.hex(5)
	created := g.ts(time.Duration(i) * time.Second)
	ip := fmt.Sprintf("10.0.%d.%d", i/250%250, i%250+2)
	node := fmt.Sprintf("ip-10-0-%d-%d.%s.compute.internal", i%7, i%200, g.cfg.Region)
	kubeAPI := "kube-api-access-" + g.hex(5)

	env := []any{
		obj{"name": "LOG_LEVEL", "value": "info"},
		obj{"name": "POD_NAME", "valueFrom": obj{"fieldRef": obj{"apiVersion": "v1", "fieldPath": "metadata.name"}}},
		obj{"name": "DB_PASSWORD", "valueFrom": obj{"secretKeyRef": obj{"key": "password", "name": app + "-db"}}},
	}
	mounts := []any{obj{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": kubeAPI, "readOnly": true}}
	volumes := []any{obj{"name": kubeAPI, "projected": obj{"defaultMode": 420, "sources": []any{
		obj{"serviceAccountToken": obj{"expirationSeconds": 3607, "path": "token"}},
		obj{"configMap": obj{"items": []any{obj{"key": "ca.crt", "path": "ca.crt"}}, "name": "kube-root-ca.crt"}},
		obj{"downwardAPI": obj{"items": []any{obj{"fieldRef": obj{"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}}}},
	}}}}
	if s.role != "" {
		env = append(env,
			obj{"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
			obj{"name": "AWS_DEFAULT_REGION", "value": g.cfg.Region},
			obj{"name": "AWS_REGION", "value": g.cfg.Region},
			obj{"name": "AWS_ROLE_ARN", "value": g.roleARN(s.role)},
			obj{"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"})
		mounts = append(mounts, obj{"mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "name": "aws-iam-token", "readOnly": true})
		volumes = append([]any{obj{"name": "aws-iam-token", "projected": obj{"defaultMode": 420, "sources": []any{
			obj{"serviceAccountToken": obj{"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}}}}}, volumes...)
	}
	image := g.image(app, ver)
	containers := []any{obj{
		"env": env, "image": image, "imagePullPolicy": "IfNotPresent", "name": "app",
		"ports":                  []any{obj{"containerPort": 8080, "name": "http", "protocol": "TCP"}},
		"resources":              obj{"limits": obj{"memory": "512Mi"}, "requests": obj{"cpu": "250m", "memory": "256Mi"}},
		"securityContext":        obj{"runAsNonRoot": true, "runAsUser": 10001},
		"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "volumeMounts": mounts,
	}}
	containerID := "containerd://" + g.hex(64)

	// managedFields as the API server records them, abridged to the top
	// levels (real ones list every leaf and run to several KB; abridged,
	// a pod is 7-10 KB as printed).
	managed := []any{
		obj{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update", "time": created,
			"fieldsV1": obj{"f:metadata": obj{"f:generateName": obj{}, "f:labels": obj{}, "f:ownerReferences": obj{}},
				"f:spec": obj{"f:containers": obj{}, "f:securityContext": obj{}, "f:serviceAccountName": obj{}}}},
		obj{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet", "operation": "Update", "subresource": "status", "time": g.ts(time.Duration(i)*time.Second + 20*time.Second),
			"fieldsV1": obj{"f:status": obj{"f:conditions": obj{}, "f:containerStatuses": obj{}, "f:phase": obj{}, "f:podIP": obj{}}}},
	}
	cond := func(t string) obj {
		return obj{"lastProbeTime": nil, "lastTransitionTime": created, "status": "True", "type": t}
	}
	return obj{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": obj{
			"annotations":       obj{"kubectl.kubernetes.io/restartedAt": g.ts(-time.Hour), "prometheus.io/port": "9090", "prometheus.io/scrape": "true"},
			"creationTimestamp": created, "generateName": rsName + "-",
			"labels":        obj{"app": app, "pod-template-hash": hash, "version": fmt.Sprintf("v1.%d", ver%9)},
			"managedFields": managed, "name": name, "namespace": s.ns,
			"ownerReferences": []any{obj{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet",
				"name": rsName, "uid": g.uid()}},
			"resourceVersion": fmt.Sprint(100000 + i), "uid": g.uid(),
		},
		"spec": obj{
			"containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "nodeName": node,
			"preemptionPolicy": "PreemptLowerPriority", "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler",
			"securityContext": obj{"fsGroup": 65534}, "serviceAccount": s.name, "serviceAccountName": s.name,
			"terminationGracePeriodSeconds": 30,
			"tolerations": []any{
				obj{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
				obj{"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}},
			"volumes": volumes,
		},
		"status": obj{
			"conditions": []any{cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")},
			"containerStatuses": []any{obj{"containerID": containerID, "image": image, "imageID": image + "@sha256:" + g.hex(64),
				"lastState": obj{}, "name": "app", "ready": true, "restartCount": i % 3, "started": true,
				"state": obj{"running": obj{"startedAt": created}}}},
			"hostIP": "10.0.0." + fmt.Sprint(i%200+10), "hostIPs": []any{obj{"ip": "10.0.0." + fmt.Sprint(i%200+10)}},
			"phase": "Running", "podIP": ip, "podIPs": []any{obj{"ip": ip}}, "qosClass": "Burstable", "startTime": created,
		},
	}
}

func (g *gen) image(app string, ver int) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:1.%d.%d", g.cfg.Account, g.cfg.Region, app, ver%9, ver%31)
}

// deploymentList is `kubectl get deployments -A -o json`: each Deployment's
// template is its pods' spec before the webhook's mutation (no injected env,
// volume or mount), and its status counts its pods.
func (g *gen) deploymentList() any {
	items := make([]any, 0, len(g.deps))
	for d, dep := range g.deps {
		created := g.ts(time.Duration(d) * time.Second)
		labels := obj{"app": dep.name}
		container := obj{
			"env": []any{
				obj{"name": "LOG_LEVEL", "value": "info"},
				obj{"name": "POD_NAME", "valueFrom": obj{"fieldRef": obj{"apiVersion": "v1", "fieldPath": "metadata.name"}}},
				obj{"name": "DB_PASSWORD", "valueFrom": obj{"secretKeyRef": obj{"key": "password", "name": dep.name + "-db"}}},
			},
			"image": g.image(dep.name, d), "imagePullPolicy": "IfNotPresent", "name": "app",
			"ports":                  []any{obj{"containerPort": 8080, "name": "http", "protocol": "TCP"}},
			"resources":              obj{"limits": obj{"memory": "512Mi"}, "requests": obj{"cpu": "250m", "memory": "256Mi"}},
			"securityContext":        obj{"runAsNonRoot": true, "runAsUser": 10001},
			"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
		}
		cond := func(t, reason, msg string) obj {
			return obj{"lastTransitionTime": created, "lastUpdateTime": created, "message": msg, "reason": reason, "status": "True", "type": t}
		}
		items = append(items, obj{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": obj{
				"annotations":       obj{"deployment.kubernetes.io/revision": "1", "meta.helm.sh/release-name": dep.name, "meta.helm.sh/release-namespace": dep.sa.ns},
				"creationTimestamp": created, "generation": 1, "labels": obj{"app": dep.name, "app.kubernetes.io/managed-by": "Helm"},
				"name": dep.name, "namespace": dep.sa.ns, "resourceVersion": fmt.Sprint(200000 + d), "uid": g.uid(),
			},
			"spec": obj{
				"progressDeadlineSeconds": 600, "replicas": dep.pods, "revisionHistoryLimit": 10,
				"selector": obj{"matchLabels": labels},
				"strategy": obj{"rollingUpdate": obj{"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
				"template": obj{
					"metadata": obj{"annotations": obj{"prometheus.io/port": "9090", "prometheus.io/scrape": "true"}, "creationTimestamp": nil, "labels": labels},
					"spec": obj{
						"containers": []any{container}, "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
						"securityContext": obj{"fsGroup": 65534}, "serviceAccount": dep.sa.name, "serviceAccountName": dep.sa.name,
						"terminationGracePeriodSeconds": 30,
					},
				},
			},
			"status": obj{
				"availableReplicas": dep.pods, "observedGeneration": 1, "readyReplicas": dep.pods, "replicas": dep.pods, "updatedReplicas": dep.pods,
				"conditions": []any{
					cond("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
					cond("Progressing", "NewReplicaSetAvailable", fmt.Sprintf("ReplicaSet %q has successfully progressed.", dep.name+"-"+dep.hash)),
				},
			},
		})
	}
	return list(items)
}

func (g *gen) associationARN(a association) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:podidentityassociation/%s/%s", g.cfg.Region, g.cfg.Account, g.cfg.Cluster, a.id)
}

// associationList is `aws eks list-pod-identity-associations --cluster-name
// C --output json`: the summaries (EKS API, PodIdentityAssociationSummary).
func (g *gen) associationList() any {
	type summary struct {
		ClusterName    string `json:"clusterName"`
		Namespace      string `json:"namespace"`
		ServiceAccount string `json:"serviceAccount"`
		AssociationArn string `json:"associationArn"`
		AssociationID  string `json:"associationId"`
	}
	out := make([]summary, 0, len(g.assocs))
	for _, a := range g.assocs {
		out = append(out, summary{g.cfg.Cluster, a.ns, a.sa, g.associationARN(a), a.id})
	}
	return map[string][]summary{"associations": out}
}

// describeAssociations are `aws eks describe-pod-identity-association`
// outputs, one value per association, as a loop over the list prints them.
func (g *gen) describeAssociations() any {
	type detail struct {
		ClusterName        string            `json:"clusterName"`
		Namespace          string            `json:"namespace"`
		ServiceAccount     string            `json:"serviceAccount"`
		RoleArn            string            `json:"roleArn"`
		AssociationArn     string            `json:"associationArn"`
		AssociationID      string            `json:"associationId"`
		Tags               map[string]string `json:"tags"`
		CreatedAt          string            `json:"createdAt"`
		ModifiedAt         string            `json:"modifiedAt"`
		DisableSessionTags bool              `json:"disableSessionTags"`
	}
	out := make([]any, 0, len(g.assocs))
	for k, a := range g.assocs {
		at := g.base.Add(time.Duration(k) * time.Second).Format("2006-01-02T15:04:05.000000-07:00")
		out = append(out, map[string]detail{"association": {g.cfg.Cluster, a.ns, a.sa, g.roleARN(a.role), g.associationARN(a), a.id,
			map[string]string{}, at, at, false}})
	}
	return out
}

func (g *gen) webhooks() any {
	return list([]any{obj{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
		"metadata": obj{"creationTimestamp": g.ts(-24 * time.Hour), "generation": 1, "name": "pod-identity-webhook", "resourceVersion": "245", "uid": g.uid()},
		"webhooks": []any{obj{
			"admissionReviewVersions": []any{"v1beta1"},
			"clientConfig":            obj{"caBundle": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "url": "https://127.0.0.1:23443/mutate"},
			"failurePolicy":           "Ignore", "matchPolicy": "Equivalent", "name": "iam-for-pods.amazonaws.com",
			"namespaceSelector": obj{}, "objectSelector": obj{"matchExpressions": []any{obj{"key": "eks.amazonaws.com/skip-pod-identity-webhook", "operator": "DoesNotExist"}}},
			"reinvocationPolicy": "IfNeeded",
			"rules":              []any{obj{"apiGroups": []any{""}, "apiVersions": []any{"v1"}, "operations": []any{"CREATE"}, "resources": []any{"pods"}, "scope": "*"}},
			"sideEffects":        "None", "timeoutSeconds": 10,
		}},
	}})
}

// version keeps the member order `kubectl version -o json` prints.
func (g *gen) version() any {
	type info struct {
		Major        string `json:"major"`
		Minor        string `json:"minor"`
		GitVersion   string `json:"gitVersion"`
		GitCommit    string `json:"gitCommit"`
		GitTreeState string `json:"gitTreeState"`
		BuildDate    string `json:"buildDate"`
		GoVersion    string `json:"goVersion"`
		Compiler     string `json:"compiler"`
		Platform     string `json:"platform"`
	}
	return struct {
		ClientVersion    info   `json:"clientVersion"`
		KustomizeVersion string `json:"kustomizeVersion"`
		ServerVersion    info   `json:"serverVersion"`
	}{
		info{"1", "30", "v1.30.2", g.hex(40), "clean", "2024-06-11T20:29:44Z", "go1.22.4", "gc", "linux/amd64"},
		"v5.0.4-0.20230601165947-6ce0bf390ce3",
		info{"1", "29+", "v1.29.4-eks-036c24b", g.hex(40), "clean", "2024-04-30T23:53:58Z", "go1.21.9", "gc", "linux/amd64"},
	}
}

// The AWS CLI prints members in the order of the API's output shape, so
// the AWS outputs are structs.

func (g *gen) cluster() any {
	type oidc struct {
		Issuer string `json:"issuer"`
	}
	type cluster struct {
		Name               string            `json:"name"`
		Arn                string            `json:"arn"`
		CreatedAt          string            `json:"createdAt"`
		Version            string            `json:"version"`
		Endpoint           string            `json:"endpoint"`
		RoleArn            string            `json:"roleArn"`
		ResourcesVpcConfig map[string]any    `json:"resourcesVpcConfig"`
		Identity           map[string]oidc   `json:"identity"`
		Status             string            `json:"status"`
		CertificateAuth    map[string]string `json:"certificateAuthority"`
		PlatformVersion    string            `json:"platformVersion"`
		Tags               map[string]string `json:"tags"`
	}
	id := g.issuer[strings.LastIndexByte(g.issuer, '/')+1:]
	return map[string]cluster{"cluster": {
		Name: g.cfg.Cluster, Arn: fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", g.cfg.Region, g.cfg.Account, g.cfg.Cluster),
		CreatedAt: "2023-11-02T10:15:31.123000+00:00", Version: "1.29",
		Endpoint: fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", id, g.cfg.Region),
		RoleArn:  g.roleARN("eksClusterRole"),
		ResourcesVpcConfig: map[string]any{"subnetIds": []string{"subnet-0a1b2c3d4e5f6a7b8", "subnet-0b1c2d3e4f5a6b7c8"},
			"securityGroupIds": []string{}, "clusterSecurityGroupId": "sg-0123456789abcdef0", "vpcId": "vpc-0123456789abcdef0",
			"endpointPublicAccess": true, "endpointPrivateAccess": true, "publicAccessCidrs": []string{"0.0.0.0/0"}},
		Identity: map[string]oidc{"oidc": {Issuer: "https://" + g.issuer}}, Status: "ACTIVE",
		CertificateAuth: map[string]string{"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}, PlatformVersion: "eks.7", Tags: map[string]string{},
	}}
}

func (g *gen) caller() any {
	return struct {
		UserID  string `json:"UserId"`
		Account string `json:"Account"`
		Arn     string `json:"Arn"`
	}{"AROAEXAMPLEADMIN:alice", g.cfg.Account, fmt.Sprintf("arn:aws:sts::%s:assumed-role/Admin/alice", g.cfg.Account)}
}

func (g *gen) providerList() any {
	type entry struct {
		Arn string `json:"Arn"`
	}
	return map[string][]entry{"OpenIDConnectProviderList": {
		{fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", g.cfg.Account, g.issuer)},
		{fmt.Sprintf("arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com", g.cfg.Account)},
	}}
}

func (g *gen) provider() any {
	return struct {
		URL            string   `json:"Url"`
		ClientIDList   []string `json:"ClientIDList"`
		ThumbprintList []string `json:"ThumbprintList"`
		CreateDate     string   `json:"CreateDate"`
		Tags           []string `json:"Tags"`
	}{g.issuer, []string{"sts.amazonaws.com"}, []string{g.hex(40)}, "2023-11-02T10:30:00.512000+00:00", []string{}}
}

// roles are get-role outputs, one JSON value per role, each trusting the
// SAs annotated with it (the trust policy eksctl writes, docs/reference/trust-policy.md).
func (g *gen) getRoles() any {
	type statement struct {
		Effect    string                    `json:"Effect"`
		Principal map[string]string         `json:"Principal"`
		Action    string                    `json:"Action"`
		Condition map[string]map[string]any `json:"Condition"`
	}
	type policy struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}
	type role struct {
		Path                     string         `json:"Path"`
		RoleName                 string         `json:"RoleName"`
		RoleID                   string         `json:"RoleId"`
		Arn                      string         `json:"Arn"`
		CreateDate               string         `json:"CreateDate"`
		AssumeRolePolicyDocument policy         `json:"AssumeRolePolicyDocument"`
		Description              string         `json:"Description"`
		MaxSessionDuration       int            `json:"MaxSessionDuration"`
		Tags                     []any          `json:"Tags"`
		RoleLastUsed             map[string]any `json:"RoleLastUsed"`
	}
	subs := map[string][]any{}
	for _, s := range g.sas {
		if s.role != "" {
			subs[s.role] = append(subs[s.role], "system:serviceaccount:"+s.ns+":"+s.name)
		}
	}
	var out []any
	for i, name := range g.roles {
		cond := map[string]any{g.issuer + ":aud": "sts.amazonaws.com"}
		switch sub := subs[name]; len(sub) {
		case 0:
		case 1:
			cond[g.issuer+":sub"] = sub[0]
		default:
			cond[g.issuer+":sub"] = sub
		}
		out = append(out, map[string]role{"Role": {
			Path: "/", RoleName: name, RoleID: "AROA" + strings.ToUpper(g.hex(17)), Arn: g.roleARN(name),
			CreateDate: g.ts(time.Duration(i) * time.Minute),
			AssumeRolePolicyDocument: policy{Version: "2012-10-17", Statement: []statement{{
				Effect: "Allow", Principal: map[string]string{"Federated": fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", g.cfg.Account, g.issuer)},
				Action: "sts:AssumeRoleWithWebIdentity", Condition: map[string]map[string]any{"StringEquals": cond},
			}}},
			Description: "IRSA role for " + name, MaxSessionDuration: 3600,
			Tags:         []any{map[string]string{"Key": "cluster", "Value": g.cfg.Cluster}},
			RoleLastUsed: map[string]any{"LastUsedDate": g.ts(48 * time.Hour), "Region": g.cfg.Region},
		}})
	}
	return out
}
