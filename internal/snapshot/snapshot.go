package snapshot

import (
	"slices"
	"sort"
	"strings"
)

// Source says where a fact came from.
type Source struct {
	// Kind is "bundle", "kube", "aws" or "oidc".
	Kind string `json:"source"`
	// Ref names the file (bundle) or the API object or call (live).
	Ref string `json:"ref"`
}

func (s Source) String() string {
	if s.Ref == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Ref
}

// Gap operations of the live OIDC collector (internal/collect/oidc): the
// issuer's discovery document or its JWKS could not be fetched.
const (
	GapOIDCDiscovery = "get discovery document"
	GapOIDCJWKS      = "get JWKS"
	// GapServiceAccountCopies is the Operation of the gap a bundle records
	// for a ServiceAccount it holds in copies that differ, none known to be
	// newer (Resource "NAMESPACE/NAME"): the ServiceAccount is left out,
	// and its absence is not proof that it does not exist.
	GapServiceAccountCopies = "kubectl get serviceaccount"
)

// Gap records a fact the collector could not obtain (a denied call, an
// unreadable file). Checks that need the fact report skipped.
type Gap struct {
	Source    string `json:"source"`    // "aws", "kube", "oidc", "bundle"
	Operation string `json:"operation"` // "iam:GetRole", "list serviceaccounts"
	Resource  string `json:"resource"`
	Reason    string `json:"reason"`
}

// File records one input file and what it was recognised as.
type File struct {
	Path         string `json:"path"`
	RecognisedAs string `json:"recognisedAs"`
	Error        string `json:"error"`
	// Lines is how many lines the file has (0 when it was not read), so
	// that a report can point at the whole file where the line a fact
	// came from is not kept (SARIF's region {startLine: 1, endLine: Lines}).
	Lines int `json:"lines,omitzero"`
}

// Kind names a family of facts, for Check.Needs and for proof of absence.
type Kind string

const (
	KindPod                  Kind = "Pod"
	KindServiceAccount       Kind = "ServiceAccount"
	KindNamespace            Kind = "Namespace"
	KindWebhookConfiguration Kind = "MutatingWebhookConfiguration"
	KindWorkload             Kind = "Workload"
	KindServerVersion        Kind = "ServerVersion"
	KindCluster              Kind = "EKSCluster"
	KindRole                 Kind = "IAMRole"
	KindOIDCProvider         Kind = "OIDCProvider"
	KindCallerIdentity       Kind = "CallerIdentity"
	KindPodIdentity          Kind = "PodIdentityAssociation"
)

// Listing records that a complete List of Kind was captured for a scope, so
// an object of that kind absent from the snapshot is proven missing.
// Namespace "" with AllNamespaces means every namespace (kubectl -A); Account
// is the AWS account for IAM kinds.
type Listing struct {
	Kind          Kind   `json:"kind"`
	Namespace     string `json:"namespace,omitempty"`
	AllNamespaces bool   `json:"allNamespaces,omitempty"`
	Account       string `json:"account,omitempty"`
	Source        Source `json:"source"`
}

// NotFound is an error text proving that one object does not exist, such as
// `Error from server (NotFound): serviceaccounts "x" not found` or
// `An error occurred (NoSuchEntity) when calling the GetRole operation: ...`.
type NotFound struct {
	Kind      Kind   `json:"kind"`
	Namespace string `json:"namespace,omitempty"` // "" when the text does not say
	Name      string `json:"name"`
	Message   string `json:"message"`
	Source    Source `json:"source"`
}

// Snapshot holds every fact a run collected. Maps are keyed by
// "namespace/name" for namespaced objects (see Key).
type Snapshot struct {
	Mode string `json:"mode"` // "offline" or "live"
	// CollectedAt is when the facts were captured (RFC 3339), when known:
	// the dump manifest's collectedAt; "" when the input does not say.
	CollectedAt string `json:"collectedAt,omitempty"`

	Pods            []*Pod                     `json:"pods,omitempty"`
	Workloads       []*Workload                `json:"workloads,omitempty"`
	ServiceAccounts map[string]*ServiceAccount `json:"serviceAccounts,omitempty"`
	Namespaces      map[string]*Namespace      `json:"namespaces,omitempty"`
	Webhooks        []*WebhookConfiguration    `json:"webhooks,omitempty"`
	ServerVersion   *ServerVersion             `json:"serverVersion,omitempty"`

	Clusters      []*Cluster       `json:"clusters,omitempty"`
	Caller        *CallerIdentity  `json:"caller,omitempty"`
	Roles         map[string]*Role `json:"roles,omitempty"` // keyed by ARN
	OIDCProviders []*OIDCProvider  `json:"oidcProviders,omitempty"`
	// ProviderLists records each `list-open-id-connect-providers` capture, by
	// account: a provider absent from the list of its account is missing.
	ProviderLists []ProviderList `json:"providerLists,omitempty"`
	// PodIdentityAssociations are the EKS Pod Identity associations the
	// input holds, of any cluster (PodIdentityAssociation.ClusterName).
	PodIdentityAssociations []*PodIdentityAssociation `json:"podIdentityAssociations,omitempty"`

	// ConfigMaps are kept only for the AWS config files they hold
	// (awsconfig.go).
	ConfigMaps []*ConfigMap `json:"configMaps,omitempty"`

	// Nodes and the EC2 instances behind them (node.go).
	Nodes     []*Node        `json:"nodes,omitempty"`
	Instances []*EC2Instance `json:"ec2Instances,omitempty"`
	// The node roles' instance profiles (noderole.go); the permission
	// policies of target and node roles (rolepolicies.go).
	InstanceProfiles []*InstanceProfile `json:"instanceProfiles,omitempty"`
	RolePolicies     []*RolePolicies    `json:"rolePolicies,omitempty"`
	ManagedPolicies  []*ManagedPolicy   `json:"managedPolicies,omitempty"`

	// OIDC facts (see oidc.go).
	TLSChains   []*TLSChain    `json:"tlsChains,omitempty"`
	Discoveries []*Discovery   `json:"discoveries,omitempty"`
	JWKSets     []*JWKS        `json:"jwks,omitempty"`
	Tokens      []*TokenClaims `json:"tokens,omitempty"`
	IssuerURLs  []IssuerURL    `json:"issuerUrls,omitempty"`
	Policies    []LoosePolicy  `json:"policies,omitempty"`

	// Probe facts (see probe.go): only `scan --probe` and `dump --probe`
	// produce them.
	Probes  []*ProbeResult  `json:"probes,omitempty"`
	DryRuns []*DryRunResult `json:"dryRuns,omitempty"`
	// Simulations are IAM's policy simulator's answers (simulation.go):
	// only `scan --simulate` produces them.
	Simulations []*Simulation `json:"simulations,omitempty"`

	// Observations are the errors seen in logs and pasted error texts
	// (observation.go).
	Observations []*Observation `json:"observations,omitempty"`

	Listings  []Listing  `json:"listings,omitempty"`
	NotFounds []NotFound `json:"notFounds,omitempty"`
	Gaps      []Gap      `json:"gaps,omitempty"`
	Files     []File     `json:"files,omitempty"`
}

// New returns an empty snapshot with its maps made.
func New(mode string) *Snapshot {
	return &Snapshot{
		Mode:            mode,
		ServiceAccounts: map[string]*ServiceAccount{},
		Namespaces:      map[string]*Namespace{},
		Roles:           map[string]*Role{},
	}
}

// Key is the map key of a namespaced object.
func Key(namespace, name string) string { return namespace + "/" + name }

// ServiceAccount returns the SA namespace/name, or nil.
func (s *Snapshot) ServiceAccount(namespace, name string) *ServiceAccount {
	return s.ServiceAccounts[Key(namespace, name)]
}

// ServiceAccountsNamed returns the SAs called name in any namespace, sorted
// by namespace (for "did you mean another namespace").
func (s *Snapshot) ServiceAccountsNamed(name string) []*ServiceAccount {
	var out []*ServiceAccount
	for _, sa := range s.ServiceAccounts {
		if sa.Name == name {
			out = append(out, sa)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out
}

// Has reports whether the snapshot holds any fact of kind k (for Check.Needs).
func (s *Snapshot) Has(k Kind) bool {
	switch k {
	case KindPod:
		return len(s.Pods) > 0
	case KindWorkload:
		return len(s.Workloads) > 0
	case KindServiceAccount:
		return len(s.ServiceAccounts) > 0 || s.listed(k)
	case KindNamespace:
		return len(s.Namespaces) > 0 || s.listed(k)
	case KindWebhookConfiguration:
		return len(s.Webhooks) > 0 || s.listed(k)
	case KindServerVersion:
		return s.ServerVersion != nil
	case KindCluster:
		return len(s.Clusters) > 0
	case KindRole:
		return len(s.Roles) > 0 || s.listed(k)
	case KindOIDCProvider:
		return len(s.OIDCProviders) > 0 || len(s.ProviderLists) > 0
	case KindCallerIdentity:
		return s.Caller != nil
	case KindNode:
		return len(s.Nodes) > 0 || s.listed(k)
	case KindEC2Instance:
		return len(s.Instances) > 0
	case KindPodIdentity:
		return len(s.PodIdentityAssociations) > 0 || s.listed(k)
	case KindConfigMap:
		return len(s.ConfigMaps) > 0
	}
	return false
}

// listed: a List of kind k, or an error text proving one object of kind k
// missing, is a fact about kind k too.
func (s *Snapshot) listed(k Kind) bool {
	for _, l := range s.Listings {
		if l.Kind == k {
			return true
		}
	}
	for _, nf := range s.NotFounds {
		if nf.Kind == k {
			return true
		}
	}
	return false
}

// ListedIn returns the listing that proves completeness of kind k in the
// namespace, if any.
func (s *Snapshot) ListedIn(k Kind, namespace string) (Listing, bool) {
	for _, l := range s.Listings {
		if l.Kind == k && (l.AllNamespaces || l.Namespace == namespace) {
			return l, true
		}
	}
	return Listing{}, false
}

// ListedInAccount returns the listing that proves completeness of kind k in
// an AWS account, if any.
func (s *Snapshot) ListedInAccount(k Kind, account string) (Listing, bool) {
	for _, l := range s.Listings {
		if l.Kind == k && l.Account == account {
			return l, true
		}
	}
	return Listing{}, false
}

// NotFoundFor returns the error text proving kind/namespace/name missing.
// A text that names no namespace matches any namespace.
func (s *Snapshot) NotFoundFor(k Kind, namespace, name string) (NotFound, bool) {
	for _, nf := range s.NotFounds {
		if nf.Kind == k && nf.Name == name && (nf.Namespace == "" || nf.Namespace == namespace) {
			return nf, true
		}
	}
	return NotFound{}, false
}

// Cluster returns the one cluster the snapshot describes, or nil when it
// has none. Callers that accept several clusters must pick one earlier.
func (s *Snapshot) Cluster() *Cluster {
	if len(s.Clusters) == 0 {
		return nil
	}
	return s.Clusters[0]
}

// AddGap records a gap once.
func (s *Snapshot) AddGap(g Gap) {
	for _, have := range s.Gaps {
		if have == g {
			return
		}
	}
	s.Gaps = append(s.Gaps, g)
}

// Sort puts every slice in a stable order so that output does not depend on
// the order files were read in.
func (s *Snapshot) Sort() {
	slices.SortStableFunc(s.Pods, func(a, b *Pod) int {
		return compareJoined([]string{a.Namespace, "/", a.Name}, []string{b.Namespace, "/", b.Name})
	})
	sort.SliceStable(s.Workloads, func(i, j int) bool {
		a, b := s.Workloads[i], s.Workloads[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	sort.SliceStable(s.Webhooks, func(i, j int) bool { return s.Webhooks[i].Name < s.Webhooks[j].Name })
	sort.SliceStable(s.OIDCProviders, func(i, j int) bool { return s.OIDCProviders[i].ARN < s.OIDCProviders[j].ARN })
	sort.SliceStable(s.Nodes, func(i, j int) bool { return s.Nodes[i].Name < s.Nodes[j].Name })
	sort.SliceStable(s.Instances, func(i, j int) bool { return s.Instances[i].InstanceID < s.Instances[j].InstanceID })
	slices.SortStableFunc(s.PodIdentityAssociations, func(a, b *PodIdentityAssociation) int {
		return compareJoined([]string{a.ClusterName, "\x00", a.Namespace, "\x00", a.ServiceAccount, "\x00", a.ARN},
			[]string{b.ClusterName, "\x00", b.Namespace, "\x00", b.ServiceAccount, "\x00", b.ARN})
	})
	sort.SliceStable(s.Files, func(i, j int) bool { return s.Files[i].Path < s.Files[j].Path })
	sort.SliceStable(s.Gaps, func(i, j int) bool {
		a, b := &s.Gaps[i], &s.Gaps[j]
		return compareJoined([]string{a.Source, "\x00", a.Operation, "\x00", a.Resource},
			[]string{b.Source, "\x00", b.Operation, "\x00", b.Resource}) < 0
	})
}

// compareJoined compares strings.Join(a, "") with strings.Join(b, "")
// without building them: Sort compares every pod's NAMESPACE/NAME with
// its neighbours', and building the keys made a string per comparison
// (a fifth of the reader's serial time on 10,000 pods). The order is the
// joined strings' exactly, also when a part holds the separator.
func compareJoined(a, b []string) int {
	var ai, ap, bi, bp int
	for {
		for ai < len(a) && ap == len(a[ai]) {
			ai, ap = ai+1, 0
		}
		for bi < len(b) && bp == len(b[bi]) {
			bi, bp = bi+1, 0
		}
		switch {
		case ai == len(a) && bi == len(b):
			return 0
		case ai == len(a):
			return -1
		case bi == len(b):
			return 1
		}
		x, y := a[ai][ap:], b[bi][bp:]
		n := min(len(x), len(y))
		if c := strings.Compare(x[:n], y[:n]); c != 0 {
			return c
		}
		ap, bp = ap+n, bp+n
	}
}

// PodIdentityAssociationFor returns the EKS Pod Identity association of
// ServiceAccount namespace/name in the cluster the snapshot describes, or
// nil. An association belongs to that cluster when its clusterName is the
// cluster's name and the account and region of its ARN are the cluster's
// (two clusters of one name can live in different accounts or regions).
// When the input describes no cluster, the associations count only if
// they all belong to one cluster (a `list-pod-identity-associations
// --cluster-name C` capture); associations of several clusters cannot be
// told apart then, and none counts.
func (s *Snapshot) PodIdentityAssociationFor(namespace, name string) *PodIdentityAssociation {
	a, _ := s.podIdentityAssociationFor(namespace, name)
	return a
}

// podIdentityAssociationFor is PodIdentityAssociationFor; examined counts
// the associations it looked at, for the test of its cost.
func (s *Snapshot) podIdentityAssociationFor(namespace, name string) (a *PodIdentityAssociation, examined int) {
	if len(s.PodIdentityAssociations) == 0 {
		return nil, 0
	}
	ix := s.podIdentityIndex()
	c := s.Cluster()
	if c == nil && !ix.oneCluster {
		return nil, 0
	}
	for _, a := range ix.byKey[[2]string{namespace, name}] {
		examined++
		if c != nil && (a.ClusterName != c.Name || !sameOrUnknown(a.Account, c.Account) || !sameOrUnknown(a.Region, c.Region)) {
			continue
		}
		return a, examined
	}
	return nil, examined
}

// sameOrUnknown compares two values of which either may be unknown ("").
func sameOrUnknown(a, b string) bool { return a == "" || b == "" || a == b }
