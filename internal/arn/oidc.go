package arn

import (
	"fmt"
	"net/url"
	"strings"
)

// OIDCProvider is a parsed IAM OIDC provider ARN,
// arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST[/PATH].
type OIDCProvider struct {
	ARN       string
	Partition string
	Account   string
	// URL is the issuer without https://, as IAM names the provider, uses
	// it in condition keys (URL:aud, URL:sub) and returns it as Url
	// (docs/reference/trust-policy.md#principal, docs/reference/trust-policy.md#condition-keys).
	URL string
}

// IssuerHostPath returns an issuer URL as IAM names its provider: host and
// path without "https://" (eksctl: issuerURL.Hostname()+issuerURL.Path,
// docs/reference/trust-policy.md#principal). A path's trailing slash is kept: IAM compares the
// provider URL with the token's iss exactly. A value without a scheme is
// taken to be host and path already (IAM's own Url field has none).
func IssuerHostPath(issuer string) (string, error) {
	if r := badChar(issuer); r != "" {
		return "", fmt.Errorf("issuer URL %q: %s", issuer, strings.Replace(r, "ARNs hold", "URLs hold", 1))
	}
	rest, ok := strings.CutPrefix(issuer, "https://")
	if !ok {
		if i := strings.Index(issuer, "://"); i >= 0 {
			return "", fmt.Errorf("issuer URL %q uses %s; IAM OIDC providers need an https URL", issuer, issuer[:i])
		}
	}
	u, err := url.Parse("https://" + rest)
	switch {
	case err != nil:
		return "", fmt.Errorf("issuer URL %q does not parse: %w", issuer, err)
	case u.Hostname() == "":
		return "", fmt.Errorf("issuer URL %q has no host", issuer)
	case u.User != nil:
		return "", fmt.Errorf("issuer URL %q holds user information, which an OIDC issuer cannot", issuer)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(rest, "#"):
		// OIDC Discovery 1.0 §2: the issuer has no query or fragment.
		return "", fmt.Errorf("issuer URL %q has a query or fragment, which an OIDC issuer cannot", issuer)
	case u.Port() != "":
		// IAM CreateOpenIDConnectProvider: "The URL should not contain a
		// port number."
		return "", fmt.Errorf("issuer URL %q has a port, which IAM OIDC provider URLs cannot", issuer)
	}
	return u.Hostname() + u.Path, nil
}

// OIDCProviderARN builds the ARN of the IAM OIDC provider for an issuer:
// arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH (docs/reference/trust-policy.md#principal).
func OIDCProviderARN(partition, account, issuer string) (string, error) {
	if r := partitionReason(partition); r != "" {
		return "", fmt.Errorf("oidc provider arn: %s", r)
	}
	if r := accountReason(account); r != "" {
		return "", fmt.Errorf("oidc provider arn: %s", r)
	}
	hp, err := IssuerHostPath(issuer)
	if err != nil {
		return "", fmt.Errorf("oidc provider arn: %w", err)
	}
	return "arn:" + partition + ":iam::" + account + ":oidc-provider/" + hp, nil
}

// ParseOIDCProvider parses an IAM OIDC provider ARN.
func ParseOIDCProvider(s string) (OIDCProvider, error) {
	return run(s, "IAM OIDC provider ARN", func(s string) (OIDCProvider, string) {
		a, r := split(s)
		switch {
		case r != "":
			return OIDCProvider{}, r
		case a.Service != "iam":
			return OIDCProvider{}, fmt.Sprintf("the service is %q; an OIDC provider ARN's service is \"iam\"", a.Service)
		case a.Region != "":
			return OIDCProvider{}, fmt.Sprintf("it has the region %q, but IAM is global: the region field of an IAM ARN is empty", a.Region)
		case a.Account == "" || a.Account == "aws":
			return OIDCProvider{}, "the account field is not a 12-digit account ID"
		}
		hp, ok := strings.CutPrefix(a.Resource, "oidc-provider/")
		if !ok {
			typ, _, _ := strings.Cut(a.Resource, "/")
			return OIDCProvider{}, fmt.Sprintf("the resource type is %q; an OIDC provider ARN's resource is oidc-provider/HOST/PATH", typ)
		}
		if strings.HasPrefix(hp, "https://") || strings.HasPrefix(hp, "https:/") {
			return OIDCProvider{}, fmt.Sprintf("the provider %q keeps the issuer's scheme; IAM names providers by host and path only", hp)
		}
		if got, err := IssuerHostPath(hp); err != nil || got != hp {
			return OIDCProvider{}, fmt.Sprintf("the provider %q is not a host and path", hp)
		}
		return OIDCProvider{ARN: s, Partition: a.Partition, Account: a.Account, URL: hp}, ""
	})
}
