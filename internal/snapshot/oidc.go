package snapshot

// OIDC facts: what the bundle carries about the cluster's issuer (a PEM
// chain as `openssl s_client -showcerts` prints it, the discovery document,
// the JWKS, a projected token's claims) and loose documents that name no
// owner (a bare issuer URL, a bare policy document).

// Certificate is one X.509 certificate of a captured TLS chain.
type Certificate struct {
	Subject  string   `json:"subject"`
	Issuer   string   `json:"issuer"`
	DNSNames []string `json:"dnsNames,omitempty"`
	// IPAddresses are the leaf's IP SANs, as net.IP.String prints them: an
	// issuer on an IP address is matched against these, never DNSNames.
	IPAddresses []string `json:"ipAddresses,omitempty"`
	IsCA        bool     `json:"isCA"`
	NotBefore   string   `json:"notBefore"` // RFC 3339
	NotAfter    string   `json:"notAfter"`  // RFC 3339
	// SHA1 is the lower-case hex SHA-1 of the DER, as IAM's thumbprints are
	// (docs/reference/thumbprint.md).
	SHA1 string `json:"sha1"`
	// DER is the certificate itself (public data), for chain verification.
	DER []byte `json:"der,omitempty"`
}

// TLSChain is a certificate chain captured from a host, leaf first.
type TLSChain struct {
	Certs  []Certificate `json:"certs"`
	Source Source        `json:"-"`
}

// Discovery is an OIDC discovery document (.well-known/openid-configuration).
type Discovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
	Source  Source `json:"-"`
}

// JWKS is a JSON Web Key Set, reduced to its key IDs. (The bundle reader
// verifies the input's tokens with its keys: TokenClaims.Signature.)
type JWKS struct {
	KeyIDs []string `json:"keyIds"`
	Source Source   `json:"-"`
}

// TokenClaims are the claims of a projected service account token, the
// alg and kid of its JOSE header, and whether its signature verifies with
// the keys the input holds. The token itself is never kept (STYLE.md
// "Snapshot"), nor its signature: the bundle reader verifies the signature
// once every file of the input is read, records the outcome here, and
// drops the token.
type TokenClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  []string `json:"aud"`
	ExpiresAt int64    `json:"exp,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	NotBefore int64    `json:"nbf,omitempty"`
	KeyID     string   `json:"kid,omitempty"` // from the JOSE header
	Alg       string   `json:"alg,omitempty"` // from the JOSE header: RS256, ES256, ...
	// Signature holds the token's signature verified with the keys of the
	// input's JWKS whose kid is KeyID, in input order, up to the first that
	// verifies it. It is empty when the input has no such key (or the token
	// names no kid): then the signature was not verified.
	Signature []SignatureCheck `json:"signature,omitempty"`
	Source    Source           `json:"-"`
}

// SignatureCheck is a token's signature verified with one key of a JWKS.
type SignatureCheck struct {
	KeyID string `json:"kid"`
	// Verified: the signature verifies with the key. Otherwise Why says
	// why not (the signature does not match the key, the key does not fit
	// the token's alg, the key does not parse).
	Verified bool   `json:"verified"`
	Why      string `json:"why,omitempty"`
	// JWKS is the key set the key came from.
	JWKS Source `json:"jwks"`
}

// IssuerURL is a bare issuer URL, as
// `aws eks describe-cluster --query cluster.identity.oidc.issuer --output text` prints it.
type IssuerURL struct {
	URL    string `json:"url"`
	Source Source `json:"-"`
}

// LoosePolicy is a bare policy document that names no role.
type LoosePolicy struct {
	Document string `json:"document"`
	Source   Source `json:"-"`
}
