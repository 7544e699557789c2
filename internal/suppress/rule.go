package suppress

import (
	"fmt"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// Rule suppresses the failing findings of one check, everywhere or about
// one object.
type Rule struct {
	// Check is the check's ID (a slug is resolved when parsed).
	Check string
	// Object limits the rule to findings about that object and what it
	// covers (Matches); nil means every finding of the check.
	Object *Object
	// Reason and Source fill finding.Ignored.
	Reason string
	Source string
	// Expires is the last day (YYYY-MM-DD) the rule applies; "" never expires.
	Expires string
}

// Expired reports whether the rule's last day is before now's day (UTC):
// an entry that expires 2027-01-31 still applies all of that day.
func (r Rule) Expired(now time.Time) bool {
	// YYYY-MM-DD compares as a string.
	return r.Expires != "" && r.Expires < now.UTC().Format(dateLayout)
}

const dateLayout = "2006-01-02"

// Object is a Kubernetes or AWS object a finding can be about: Kind as
// findings name it (Pod, Deployment, ServiceAccount, IAMRole, ...),
// Namespace "" for cluster-scoped and AWS kinds.
type Object struct {
	Kind, Namespace, Name string
}

func (o Object) String() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// namespacedKinds are the namespaced kinds beyond the workloads
// (model.WorkloadKind), by kubectl's names; clusterKinds are the
// cluster-scoped and AWS kinds findings are about. Lower case.
var (
	namespacedKinds = map[string]string{
		"pod": "Pod", "pods": "Pod", "po": "Pod",
		"serviceaccount": "ServiceAccount", "serviceaccounts": "ServiceAccount", "sa": "ServiceAccount",
		"podidentityassociation": "PodIdentityAssociation", "podidentityassociations": "PodIdentityAssociation",
	}
	clusterKinds = map[string]string{
		"iamrole": "IAMRole", "iamroles": "IAMRole", "role": "IAMRole",
		"oidcprovider": "OIDCProvider", "oidcproviders": "OIDCProvider", "oidc-provider": "OIDCProvider",
		"ekscluster": "EKSCluster", "eksclusters": "EKSCluster", "cluster": "EKSCluster",
		"mutatingwebhookconfiguration": "MutatingWebhookConfiguration", "mutatingwebhookconfigurations": "MutatingWebhookConfiguration",
	}
)

const objectHelp = "want KIND/NAMESPACE/NAME (pod, serviceaccount or a workload kind, e.g. sa/payments/s3-reader) or KIND/NAME (iamrole, oidcprovider, ekscluster, mutatingwebhookconfiguration)"

// ParseObject reads KIND/NS/NAME for namespaced kinds and KIND/NAME for
// cluster-scoped ones; KIND is case-insensitive and takes kubectl's
// plurals and short names. A cluster-scoped NAME may hold slashes and
// colons (an ARN, an OIDC provider's issuer path).
func ParseObject(s string) (Object, error) {
	kindText, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" {
		return Object{}, fmt.Errorf("object %q: %s", s, objectHelp)
	}
	lower := strings.ToLower(kindText)
	if kind, ok := clusterKinds[lower]; ok {
		return Object{Kind: kind, Name: rest}, nil
	}
	kind, ok := namespacedKinds[lower]
	if !ok {
		kind, ok = model.WorkloadKind(kindText)
	}
	if !ok {
		return Object{}, fmt.Errorf("object %q: unknown kind %q; %s", s, kindText, objectHelp)
	}
	ns, name, ok := strings.Cut(rest, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return Object{}, fmt.Errorf("object %q: a %s is namespaced: want %s/NAMESPACE/NAME", s, kind, kindText)
	}
	return Object{Kind: kind, Namespace: ns, Name: name}, nil
}

// resolveCheck turns a check ID or slug into the ID.
func resolveCheck(s string) (string, error) {
	c := check.ByIDOrSlug(strings.TrimSpace(s))
	if c == nil {
		return "", fmt.Errorf("unknown check %q (see 'irsa-doctor checks')", s)
	}
	return c.ID, nil
}

// FlagReason is the reason of the findings --ignore suppresses: the flag
// carries none of its own.
const FlagReason = "ignored with --ignore"

// ParseFlag reads one --ignore value, CHECK[:KIND/NS/NAME].
func ParseFlag(v string) (Rule, error) {
	checkText, objText, hasObject := strings.Cut(v, ":")
	id, err := resolveCheck(checkText)
	if err != nil {
		return Rule{}, fmt.Errorf("--ignore %q: %w", v, err)
	}
	r := Rule{Check: id, Reason: FlagReason, Source: "--ignore " + v}
	if hasObject {
		o, err := ParseObject(objText)
		if err != nil {
			return Rule{}, fmt.Errorf("--ignore %q: %w", v, err)
		}
		r.Object = &o
	}
	return r, nil
}
