package bundle

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// result holds what one file contributed, before it is merged into the
// snapshot. Files are parsed concurrently, each into its own result.
type result struct {
	ref string
	dir string // folder on disk, "" for stdin: for same-folder attribution
	src snapshot.Source
	// maxSize is the file size limit (Options.MaxFileSize), which also
	// caps what YAML aliases may expand a file to (aliasLimit).
	maxSize int64

	labels []string // RecognisedAs parts, first-seen order
	lines  int      // the file's line count (snapshot.File.Lines)
	errs   []string // full messages, each naming the file
	// moreErrs counts the problems past the first maxErrors, which are
	// not kept: a file of millions of bad values is listed in one line,
	// and their messages (and line numbers) are never built.
	moreErrs int

	pods       []*snapshot.Pod
	workloads  []*snapshot.Workload
	sas        []*snapshot.ServiceAccount
	namespaces []*snapshot.Namespace
	webhooks   []*snapshot.WebhookConfiguration
	versions   []*snapshot.ServerVersion
	clusters   []*snapshot.Cluster
	callers    []*snapshot.CallerIdentity
	roles      []*snapshot.Role
	// roleCreated is the CreateDate IAM printed for a role, if any.
	roleCreated map[*snapshot.Role]string
	// providers are get-open-id-connect-provider outputs: no ARN yet.
	providers     []*snapshot.OIDCProvider
	providerLists []snapshot.ProviderList // Account "" for an empty list
	podIdentities []*snapshot.PodIdentityAssociation
	nodes         []*snapshot.Node        // node.go
	configMaps    []*snapshot.ConfigMap   // configmap.go
	instances     []*snapshot.EC2Instance // node.go
	listings      []snapshot.Listing
	notFounds     []snapshot.NotFound
	observations  []*snapshot.Observation // logs.go
	gaps          []snapshot.Gap
	oidc          oidcFacts  // see oidc.go
	probe         probeFacts // see probe.go
	iamp          iamFacts   // roles' permission policies, see rolepolicies.go
}

func newResult(ref string) *result {
	return &result{ref: ref, src: snapshot.Source{Kind: "bundle", Ref: ref}}
}

// recognise records what (part of) the file was recognised as.
func (r *result) recognise(label string) {
	for _, l := range r.labels {
		if l == label {
			return
		}
	}
	r.labels = append(r.labels, label)
}

// maxErrors caps the problems listed for one file; the rest are counted.
const maxErrors = 5

// full reports that the problems listed for the file are maxErrors already:
// a further one is only counted.
func (r *result) full() bool {
	if len(r.errs) < maxErrors {
		return false
	}
	r.moreErrs++
	return true
}

func (r *result) fail(msg string) {
	if !r.full() {
		r.errs = append(r.errs, r.ref+": "+msg)
	}
}

// failAt records a problem at a line and column (1-based), in the
// file:line:col form editors and terminals turn into links.
func (r *result) failAt(line, col int, msg string) {
	if !r.full() {
		r.errs = append(r.errs, fmt.Sprintf("%s:%d:%d: %s", r.ref, line, col, msg))
	}
}

func (r *result) file() snapshot.File {
	f := snapshot.File{Path: r.ref, RecognisedAs: strings.Join(r.labels, ","), Lines: r.lines}
	errs := r.errs
	if n := len(r.errs) + r.moreErrs; n > maxErrors {
		errs = append(errs[:maxErrors:maxErrors], fmt.Sprintf("and %d more problems", n-maxErrors))
	}
	f.Error = strings.Join(errs, "; ")
	return f
}

// merger folds results into the snapshot in input order. The first
// occurrence of an object is kept, so a folder and a file inside it, or a
// List and a single object captured again, do not duplicate facts; a later
// copy that differs is recorded and settled in finish (copies.go). What
// is kept is indexed in maps, so that merging N objects takes O(N)
// lookups, never a scan of what was kept so far per object.
type merger struct {
	s         *snapshot.Snapshot
	pods      map[string]keptAt
	workloads map[string]keptAt
	webhooks  map[string]keptAt
	sas       map[string]*result // the file of each kept ServiceAccount
	roles     map[string]*result // the file of each kept role
	// contents and conflicts are keyed "Kind\x00key": see copies.go.
	contents     map[string]string
	conflicts    map[string]*conflict
	conflictList []*conflict
	clusters     map[string]keptAt
	namespaces   map[string]*result // the file of each kept Namespace
	listings     map[string]bool
	gaps         map[snapshot.Gap]bool
	nodes        map[string]bool // by name
	configMaps   map[string]bool // by namespace/name
	instances    map[string]bool // by instance ID
	probes       map[[2]string]bool
	dryRuns      map[[3]string]bool
	issuers      map[string]bool
	tokens       map[string]bool // by tokenKey
	// assocs are the Pod Identity associations kept, by associationKey.
	assocs  map[string]*snapshot.PodIdentityAssociation
	results []*result
}

func newMerger(s *snapshot.Snapshot) *merger {
	return &merger{s: s, pods: map[string]keptAt{}, workloads: map[string]keptAt{}, webhooks: map[string]keptAt{},
		sas: map[string]*result{}, roles: map[string]*result{}, contents: map[string]string{}, conflicts: map[string]*conflict{},
		clusters: map[string]keptAt{}, namespaces: map[string]*result{}, listings: map[string]bool{}, gaps: map[snapshot.Gap]bool{},
		nodes: map[string]bool{}, configMaps: map[string]bool{}, instances: map[string]bool{}, probes: map[[2]string]bool{},
		dryRuns: map[[3]string]bool{}, issuers: map[string]bool{}, tokens: map[string]bool{},
		assocs: map[string]*snapshot.PodIdentityAssociation{}}
}

// keptAt is where a kept object is in its snapshot slice, and its file.
type keptAt struct {
	i int
	r *result
}

// firstOf reports whether key is new to seen, and records it: the merger's
// "the first occurrence wins".
func firstOf[K comparable](seen map[K]bool, key K) bool {
	work(1)
	if seen[key] {
		return false
	}
	seen[key] = true
	return true
}

// addGap records a gap once (snapshot.AddGap, with an index).
func (m *merger) addGap(g snapshot.Gap) {
	if firstOf(m.gaps, g) {
		m.s.Gaps = append(m.s.Gaps, g)
	}
}

func (m *merger) add(r *result) {
	s := m.s
	m.results = append(m.results, r)
	for _, p := range r.pods {
		k := snapshot.Key(p.Namespace, p.Name)
		at, ok := m.pods[k]
		if !ok {
			m.pods[k] = keptAt{len(s.Pods), r}
			s.Pods = append(s.Pods, p)
			continue
		}
		m.collide("Pod\x00"+k, func() copyOf { return copyOf{at.r, s.Pods[at.i], s.Pods[at.i].CreationTimestamp} },
			copyOf{r, p, p.CreationTimestamp}, func() *conflict {
				// A pod is a target: it stays, first copy, with the warning.
				return &conflict{what: "Pod " + k, use: func(o any) { s.Pods[at.i] = o.(*snapshot.Pod) }}
			})
	}
	for _, w := range r.workloads {
		k := w.Kind + "/" + snapshot.Key(w.Namespace, w.Name)
		at, ok := m.workloads[k]
		if !ok {
			m.workloads[k] = keptAt{len(s.Workloads), r}
			s.Workloads = append(s.Workloads, w)
			continue
		}
		m.collide("Workload\x00"+k, func() copyOf { return copyOf{at.r, s.Workloads[at.i], s.Workloads[at.i].CreationTimestamp} },
			copyOf{r, w, w.CreationTimestamp}, func() *conflict {
				return &conflict{what: w.Kind + " " + snapshot.Key(w.Namespace, w.Name), use: func(o any) { s.Workloads[at.i] = o.(*snapshot.Workload) }}
			})
	}
	for _, sa := range r.sas {
		k := snapshot.Key(sa.Namespace, sa.Name)
		from, ok := m.sas[k]
		if !ok {
			m.sas[k] = r
			s.ServiceAccounts[k] = sa
			continue
		}
		m.collide("ServiceAccount\x00"+k, func() copyOf { return copyOf{from, s.ServiceAccounts[k], s.ServiceAccounts[k].CreationTimestamp} },
			copyOf{r, sa, sa.CreationTimestamp}, func() *conflict {
				return &conflict{what: "ServiceAccount " + k,
					use: func(o any) { s.ServiceAccounts[k] = o.(*snapshot.ServiceAccount) },
					// The checks that need it skip (model.SaAbsentReason),
					// and its absence proves nothing (model.SAMissing).
					drop: func(reason string) {
						delete(s.ServiceAccounts, k)
						m.addGap(snapshot.Gap{Source: "bundle", Operation: snapshot.GapServiceAccountCopies, Resource: k, Reason: reason})
					}}
			})
	}
	for _, ns := range r.namespaces {
		k := ns.Name
		from, ok := m.namespaces[k]
		if !ok {
			m.namespaces[k] = r
			s.Namespaces[k] = ns
			continue
		}
		m.collide("Namespace\x00"+k, func() copyOf { return copyOf{from, s.Namespaces[k], s.Namespaces[k].CreationTimestamp} },
			copyOf{r, ns, ns.CreationTimestamp}, func() *conflict {
				return &conflict{what: "Namespace " + k, use: func(o any) { s.Namespaces[k] = o.(*snapshot.Namespace) }}
			})
	}
	for _, w := range r.webhooks {
		at, ok := m.webhooks[w.Name]
		if !ok {
			m.webhooks[w.Name] = keptAt{len(s.Webhooks), r}
			s.Webhooks = append(s.Webhooks, w)
			continue
		}
		m.collide("MutatingWebhookConfiguration\x00"+w.Name, func() copyOf { return copyOf{at.r, s.Webhooks[at.i], s.Webhooks[at.i].CreationTimestamp} },
			copyOf{r, w, w.CreationTimestamp}, func() *conflict {
				return &conflict{what: "MutatingWebhookConfiguration " + w.Name, use: func(o any) { s.Webhooks[at.i] = o.(*snapshot.WebhookConfiguration) }}
			})
	}
	for _, v := range r.versions {
		if s.ServerVersion == nil {
			s.ServerVersion = v
		}
	}
	for _, c := range r.clusters {
		k := c.ARN
		if k == "" {
			k = "name:" + c.Name
		}
		at, ok := m.clusters[k]
		if !ok {
			m.clusters[k] = keptAt{len(s.Clusters), r}
			s.Clusters = append(s.Clusters, c)
			continue
		}
		// The same cluster described in two sub-folders is one bundle; a
		// describe-cluster has no time of its own (createdAt is the
		// cluster's), so only a dump manifest dates its copies.
		m.collide("EKSCluster\x00"+k, func() copyOf { return copyOf{at.r, s.Clusters[at.i], ""} },
			copyOf{r, c, ""}, func() *conflict {
				return &conflict{what: "EKS cluster " + c.Name, use: func(o any) { s.Clusters[at.i] = o.(*snapshot.Cluster) }}
			})
	}
	for _, c := range r.callers {
		if s.Caller == nil {
			s.Caller = c
		}
	}
	for _, role := range r.roles {
		k := role.ARN
		from, ok := m.roles[k]
		if !ok {
			m.roles[k] = r
			s.Roles[k] = role
			continue
		}
		// IAM prints no time of the role's last change, only its
		// CreateDate: a later one is a role deleted and created again.
		m.collide("IAMRole\x00"+k, func() copyOf { return copyOf{from, s.Roles[k], from.roleCreated[s.Roles[k]]} },
			copyOf{r, role, r.roleCreated[role]}, func() *conflict {
				return &conflict{what: "role " + k, created: "CreateDate",
					use: func(o any) { s.Roles[k] = o.(*snapshot.Role) },
					// A role absent with an iam:GetRole gap is unknown to
					// the model (model.RoleAbsentReason): its checks skip.
					drop: func(reason string) {
						delete(s.Roles, k)
						m.addGap(snapshot.Gap{Source: "bundle", Operation: "iam:GetRole", Resource: k, Reason: reason})
					}}
			})
		if m.conflicts["IAMRole\x00"+k] == nil {
			fillRole(s.Roles[k], role)
		}
	}
	for _, a := range r.podIdentities {
		// The same association from a list and from describe: the
		// describe output (Detailed) has the role and wins.
		switch have := m.assocs[associationKey(a)]; {
		case have == nil:
			m.assocs[associationKey(a)] = a
			s.PodIdentityAssociations = append(s.PodIdentityAssociations, a)
		case !have.Detailed && a.Detailed:
			*have = *a
		}
	}
	for _, l := range r.listings {
		k := fmt.Sprintf("%s|%s|%t|%s", l.Kind, l.Namespace, l.AllNamespaces, l.Account)
		if !m.listings[k] {
			m.listings[k] = true
			s.Listings = append(s.Listings, l)
		}
	}
	s.NotFounds = append(s.NotFounds, r.notFounds...)
	s.Observations = append(s.Observations, r.observations...)
	for _, g := range r.gaps {
		m.addGap(g)
	}
	m.addOIDC(r)
	m.addNodes(r)
	for _, cm := range r.configMaps {
		if firstOf(m.configMaps, snapshot.Key(cm.Namespace, cm.Name)) {
			m.s.ConfigMaps = append(m.s.ConfigMaps, cm)
		}
	}
	m.addProbe(r)
}

// finish resolves what needs every file: the account of an empty provider
// list, and the ARN of each get-open-id-connect-provider output.
func (m *merger) finish() {
	s := m.s
	m.settleCopies()
	m.resolveManifests()
	m.finishRolePolicies()
	m.verifyTokens()
	ac := m.accounts()

	// Provider lists. A list with entries names its account in every ARN;
	// an empty one (a real finding: no provider at all) names none.
	for _, r := range m.results {
		for _, pl := range r.providerLists {
			if pl.Account == "" {
				acct, _, why := ac.only()
				if acct == "" {
					m.addGap(snapshot.Gap{Source: "bundle", Operation: "iam:ListOpenIDConnectProviders", Resource: r.ref,
						Reason: "the list is empty and " + why + ": add the `aws sts get-caller-identity --output json` output of the same account"})
					continue
				}
				pl.Account = acct
			}
			s.ProviderLists = append(s.ProviderLists, pl)
		}
	}

	// Every listed provider is a fact (Detailed false) until a
	// get-open-id-connect-provider output fills it in.
	byARN := map[string]*snapshot.OIDCProvider{}
	for _, pl := range s.ProviderLists {
		for _, arn := range pl.ARNs {
			if byARN[arn] != nil {
				continue
			}
			p := &snapshot.OIDCProvider{ARN: arn, Account: pl.Account, URL: providerURL(arn), Source: pl.Source}
			byARN[arn] = p
			s.OIDCProviders = append(s.OIDCProviders, p)
		}
	}
	listed, memo := m.listedByURL(), map[[2]string]attribution{}
	for _, r := range m.results {
		for _, p := range r.providers {
			m.attribute(p, r.dir, ac, listed, memo)
			if p.ARN == "" {
				s.OIDCProviders = append(s.OIDCProviders, p)
				continue
			}
			have := byARN[p.ARN]
			switch {
			case have == nil:
				byARN[p.ARN] = p
				s.OIDCProviders = append(s.OIDCProviders, p)
			case !have.Detailed:
				*have = *p
			}
		}
	}

	for _, r := range m.results {
		s.Files = append(s.Files, r.file())
	}
	sort.SliceStable(s.Listings, func(i, j int) bool { return listingKey(s.Listings[i]) < listingKey(s.Listings[j]) })
}

func listingKey(l snapshot.Listing) string {
	return fmt.Sprintf("%s\x00%s\x00%t\x00%s", l.Kind, l.Namespace, l.AllNamespaces, l.Account)
}

// listedProvider is a provider ARN that a list-open-id-connect-providers
// output lists: its account and the folder of that output.
type listedProvider struct{ arn, account, dir string }

// providerMarker separates a provider ARN's account from its Url.
const providerMarker = ":oidc-provider/"

// listedByURL indexes the listed provider ARNs by the Url they end with,
// in input order: an ARN is listed under every u such that it ends with
// ":oidc-provider/" + u (one u, unless the Url itself holds the marker).
// attribute then finds its candidates in one lookup, instead of scanning
// every listed ARN for every get-open-id-connect-provider output.
func (m *merger) listedByURL() map[string][]listedProvider {
	byURL := map[string][]listedProvider{}
	for _, r := range m.results {
		for _, pl := range r.providerLists {
			for _, arn := range pl.ARNs {
				work(1)
				for i := 0; ; {
					j := strings.Index(arn[i:], providerMarker)
					if j < 0 {
						break
					}
					u := arn[i+j+len(providerMarker):]
					byURL[u] = append(byURL[u], listedProvider{arn, pl.Account, r.dir})
					i += j + 1
				}
			}
		}
	}
	return byURL
}

// attribute gives a get-open-id-connect-provider output its ARN
// (docs/contract.md#bundles: the output has no ARN; attribute it to the one
// listed provider with that Url; ambiguous when several accounts list it).
// listed is m.listedByURL(); memo keeps the answer for each Url and folder,
// which is all it depends on, so that many outputs of one Url listed in
// many accounts are not judged again each.
func (m *merger) attribute(p *snapshot.OIDCProvider, dir string, ac accounts, listed map[string][]listedProvider, memo map[[2]string]attribution) {
	work(1)
	key := [2]string{p.URL, dir}
	a, ok := memo[key]
	if !ok {
		a = attributeURL(p.URL, dir, ac, listed[p.URL])
		memo[key] = a
	}
	if a.ambiguous != "" {
		p.Ambiguous = a.ambiguous
		return
	}
	p.ARN, p.Account = a.arn, a.account
}

// attribution is the ARN and account of a provider, or why it has none.
type attribution struct{ arn, account, ambiguous string }

// attributeURL attributes an output of Url url read from folder dir; cands
// are the listed ARNs that end with that Url, in input order.
func attributeURL(url, dir string, ac accounts, cands []listedProvider) attribution {
	distinct := func(cs []listedProvider) []string {
		seen := map[string]bool{}
		var out []string
		for _, c := range cs {
			if !seen[c.account] {
				seen[c.account] = true
				out = append(out, c.account)
			}
		}
		sort.Strings(out)
		return out
	}
	if accts := distinct(cands); len(accts) > 1 {
		// `irsa-doctor dump` writes one folder per account: a list in the
		// same folder as this output settles which account it came from.
		var same []listedProvider
		for _, c := range cands {
			if dir != "" && c.dir == dir {
				same = append(same, c)
			}
		}
		if len(distinct(same)) != 1 {
			return attribution{ambiguous: fmt.Sprintf("the provider %s is listed in accounts %s, and get-open-id-connect-provider output does not say which account it came from",
				url, strings.Join(accts, " and "))}
		}
		cands = same
	}
	if len(cands) > 0 {
		return attribution{arn: cands[0].arn, account: cands[0].account}
	}
	acct, partition, why := ac.only()
	if acct == "" {
		return attribution{ambiguous: fmt.Sprintf("no list-open-id-connect-providers output lists %s and %s, so its ARN cannot be derived", url, why)}
	}
	return attribution{arn: "arn:" + partition + ":iam::" + acct + ":oidc-provider/" + url, account: acct}
}

// accounts are the AWS accounts the bundle names (in a caller identity, a
// cluster ARN or a provider list), each with the partition of an ARN that
// named it.
type accounts map[string]string // account -> partition

func (m *merger) accounts() accounts {
	ac := accounts{}
	note := func(arn string) {
		if a, ok := parseARN(arn); ok && a.account != "" {
			if _, have := ac[a.account]; !have {
				ac[a.account] = a.partition
			}
		}
	}
	for _, r := range m.results {
		for _, c := range r.callers {
			note(c.ARN)
		}
		for _, c := range r.clusters {
			note(c.ARN)
		}
		for _, pl := range r.providerLists {
			for _, arn := range pl.ARNs {
				note(arn)
			}
		}
	}
	return ac
}

// only returns the account when the bundle names exactly one; a file with
// no account of its own is attributed to it and to nothing else. why says
// what is missing otherwise.
func (ac accounts) only() (account, partition, why string) {
	switch len(ac) {
	case 0:
		return "", "", "no AWS account is known (no get-caller-identity, describe-cluster or provider list output)"
	case 1:
		for a, p := range ac {
			return a, p, ""
		}
	}
	return "", "", "the bundle names several accounts (" + strings.Join(sortedKeys(ac), ", ") + ")"
}

// foldKey is equal for two strings exactly when strings.EqualFold is true
// for them: each rune becomes the smallest rune of its case-folding orbit
// (for ASCII, its upper case), and invalid UTF-8 U+FFFD, as EqualFold
// decodes it.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// arnParts are the colon-separated fields of an ARN:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type arnParts struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" {
		return arnParts{}, false
	}
	return arnParts{f[1], f[2], f[3], f[4], f[5]}, true
}

// providerURL is the Url part of an OIDC provider ARN
// (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH, docs/reference/trust-policy.md#principal).
func providerURL(arn string) string {
	if a, ok := parseARN(arn); ok {
		if u, ok := strings.CutPrefix(a.resource, "oidc-provider/"); ok {
			return u
		}
	}
	return ""
}
