package bundle

import (
	"fmt"
	"sort"
	"strings"

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
	errs   []string // full messages, each naming the file

	pods       []*snapshot.Pod
	workloads  []*snapshot.Workload
	sas        []*snapshot.ServiceAccount
	namespaces []*snapshot.Namespace
	webhooks   []*snapshot.WebhookConfiguration
	versions   []*snapshot.ServerVersion
	clusters   []*snapshot.Cluster
	callers    []*snapshot.CallerIdentity
	roles      []*snapshot.Role
	// providers are get-open-id-connect-provider outputs: no ARN yet.
	providers     []*snapshot.OIDCProvider
	providerLists []snapshot.ProviderList // Account "" for an empty list
	podIdentities []*snapshot.PodIdentityAssociation
	nodes         []*snapshot.Node        // node.go
	instances     []*snapshot.EC2Instance // node.go
	listings      []snapshot.Listing
	notFounds     []snapshot.NotFound
	gaps          []snapshot.Gap
	oidc          oidcFacts  // see oidc.go
	probe         probeFacts // see probe.go
	iamp          iamFacts   // node roles' policies, see noderole.go
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

func (r *result) fail(msg string) { r.errs = append(r.errs, r.ref+": "+msg) }

// failAt records a problem at a line and column (1-based), in the
// file:line:col form editors and terminals turn into links.
func (r *result) failAt(line, col int, msg string) {
	r.errs = append(r.errs, fmt.Sprintf("%s:%d:%d: %s", r.ref, line, col, msg))
}

func (r *result) file() snapshot.File {
	f := snapshot.File{Path: r.ref, RecognisedAs: strings.Join(r.labels, ",")}
	errs := r.errs
	if len(errs) > maxErrors {
		errs = append(errs[:maxErrors:maxErrors], fmt.Sprintf("and %d more problems", len(r.errs)-maxErrors))
	}
	f.Error = strings.Join(errs, "; ")
	return f
}

// merger folds results into the snapshot in input order. The first
// occurrence of an object wins, so a folder and a file inside it, or a
// List and a single object captured again, do not duplicate facts.
type merger struct {
	s         *snapshot.Snapshot
	pods      map[string]bool
	workloads map[string]bool
	webhooks  map[string]bool
	clusters  map[string]bool
	listings  map[string]bool
	// assocs are the Pod Identity associations kept, by associationKey.
	assocs  map[string]*snapshot.PodIdentityAssociation
	results []*result
}

func newMerger(s *snapshot.Snapshot) *merger {
	return &merger{s: s, pods: map[string]bool{}, workloads: map[string]bool{}, webhooks: map[string]bool{},
		clusters: map[string]bool{}, listings: map[string]bool{}, assocs: map[string]*snapshot.PodIdentityAssociation{}}
}

func (m *merger) add(r *result) {
	s := m.s
	m.results = append(m.results, r)
	for _, p := range r.pods {
		if k := snapshot.Key(p.Namespace, p.Name); !m.pods[k] {
			m.pods[k] = true
			s.Pods = append(s.Pods, p)
		}
	}
	for _, w := range r.workloads {
		if k := w.Kind + "/" + snapshot.Key(w.Namespace, w.Name); !m.workloads[k] {
			m.workloads[k] = true
			s.Workloads = append(s.Workloads, w)
		}
	}
	for _, sa := range r.sas {
		if k := snapshot.Key(sa.Namespace, sa.Name); s.ServiceAccounts[k] == nil {
			s.ServiceAccounts[k] = sa
		}
	}
	for _, ns := range r.namespaces {
		if s.Namespaces[ns.Name] == nil {
			s.Namespaces[ns.Name] = ns
		}
	}
	for _, w := range r.webhooks {
		if !m.webhooks[w.Name] {
			m.webhooks[w.Name] = true
			s.Webhooks = append(s.Webhooks, w)
		}
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
		if !m.clusters[k] {
			m.clusters[k] = true
			s.Clusters = append(s.Clusters, c)
		}
	}
	for _, c := range r.callers {
		if s.Caller == nil {
			s.Caller = c
		}
	}
	for _, role := range r.roles {
		if s.Roles[role.ARN] == nil {
			s.Roles[role.ARN] = role
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
	for _, g := range r.gaps {
		s.AddGap(g)
	}
	m.addOIDC(r)
	m.addNodes(r)
	m.addProbe(r)
}

// finish resolves what needs every file: the account of an empty provider
// list, and the ARN of each get-open-id-connect-provider output.
func (m *merger) finish() {
	s := m.s
	m.resolveManifests()
	m.finishNodeRoles()
	ac := m.accounts()

	// Provider lists. A list with entries names its account in every ARN;
	// an empty one (a real finding: no provider at all) names none.
	for _, r := range m.results {
		for _, pl := range r.providerLists {
			if pl.Account == "" {
				acct, _, why := ac.only()
				if acct == "" {
					s.AddGap(snapshot.Gap{Source: "bundle", Operation: "iam:ListOpenIDConnectProviders", Resource: r.ref,
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
	for _, r := range m.results {
		for _, p := range r.providers {
			m.attribute(p, r.dir, ac)
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

// attribute gives a get-open-id-connect-provider output its ARN
// (CONTRACT.md "Bundles": the output has no ARN; attribute it to the one
// listed provider with that Url; ambiguous when several accounts list it).
func (m *merger) attribute(p *snapshot.OIDCProvider, dir string, ac accounts) {
	suffix := ":oidc-provider/" + p.URL
	type cand struct{ arn, account, dir string }
	var cands []cand
	for _, r := range m.results {
		for _, pl := range r.providerLists {
			for _, arn := range pl.ARNs {
				if strings.HasSuffix(arn, suffix) {
					cands = append(cands, cand{arn, pl.Account, r.dir})
				}
			}
		}
	}
	distinct := func(cs []cand) []string {
		var out []string
		for _, c := range cs {
			if !contains(out, c.account) {
				out = append(out, c.account)
			}
		}
		sort.Strings(out)
		return out
	}
	if accts := distinct(cands); len(accts) > 1 {
		// `irsa-doctor dump` writes one folder per account: a list in the
		// same folder as this output settles which account it came from.
		var same []cand
		for _, c := range cands {
			if dir != "" && c.dir == dir {
				same = append(same, c)
			}
		}
		if len(distinct(same)) == 1 {
			cands = same
		} else {
			p.Ambiguous = fmt.Sprintf("the provider %s is listed in accounts %s, and get-open-id-connect-provider output does not say which account it came from",
				p.URL, strings.Join(accts, " and "))
			return
		}
	}
	if len(cands) > 0 {
		p.ARN, p.Account = cands[0].arn, cands[0].account
		return
	}
	acct, partition, why := ac.only()
	if acct == "" {
		p.Ambiguous = fmt.Sprintf("no list-open-id-connect-providers output lists %s and %s, so its ARN cannot be derived", p.URL, why)
		return
	}
	p.Account = acct
	p.ARN = "arn:" + partition + ":iam::" + acct + ":oidc-provider/" + p.URL
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
// (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH, irsa-facts.md §3.1).
func providerURL(arn string) string {
	if a, ok := parseARN(arn); ok {
		if u, ok := strings.CutPrefix(a.resource, "oidc-provider/"); ok {
			return u
		}
	}
	return ""
}
