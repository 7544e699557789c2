package awsfake

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// STS error messages of AssumeRoleWithWebIdentity, exactly as STS writes
// them (docs/reference/sts-errors.md).
const (
	MsgNotAuthorized     = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
	MsgIncorrectAudience = "Incorrect token audience"
	MsgThumbprint        = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
	// MsgVerificationKey has a double space after the comma, as STS sends
	// it (docs/reference/sts-errors.md, from raw STS XML in awslabs/aws-sdk-rust#827).
	MsgVerificationKey = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	// MsgNotJWT is the answer to a token that is not a JWT. Not in
	// docs/reference/README.md: the wording is STS's as users report it, unverified.
	MsgNotJWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	// The model texts of the rarer errors (docs/reference/sts-errors.md: [unverified]
	// as messages on the wire).
	MsgIDPCommunication = "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached. This is often a transient error caused by network conditions. Retry the request a limited number of times and wait between attempts to be notified if the request succeeds or not."
	MsgIDPRejectedClaim = "The identity provider (IdP) reported that authentication failed. This might be because the claim is invalid."
	MsgRegionDisabled   = "STS is not activated in the requested region for the account that is being asked to generate credentials. The account administrator must use the IAM console to activate STS in that region."
	MsgDurationTooLong  = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
)

// MsgNoProvider is STS's answer when the role's account has no IAM OIDC
// provider for the token's issuer (docs/reference/sts-errors.md).
func MsgNoProvider(issuer string) string {
	return "No OpenIDConnect provider found in your account for " + issuer
}

// MsgExpired is STS's answer to an expired token (docs/reference/sts-errors.md; the
// spacing before the second number varies between reports, this is the
// spaced form).
func MsgExpired(now, exp int64) string {
	return fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now, exp)
}

// MsgDiscovery is STS's answer when the issuer's discovery document is
// not valid for it (docs/reference/sts-errors.md).
func MsgDiscovery(issuer string) string {
	return "Your request has a problem. Please see the following details. Please check .well-known/openid-configuration of provider: " + issuer + " is valid"
}

// The STS errors of docs/reference/sts-errors.md that the fake's state cannot produce
// by itself, to Inject (for one role: set Resource to its ARN).
var (
	FaultThumbprint       = Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "InvalidIdentityToken", Message: MsgThumbprint}
	FaultVerificationKey  = Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "InvalidIdentityToken", Message: MsgVerificationKey}
	FaultIDPCommunication = Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "IDPCommunicationError", Message: MsgIDPCommunication}
	FaultIDPRejectedClaim = Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "IDPRejectedClaim", Message: MsgIDPRejectedClaim}
	FaultRegionDisabled   = Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "RegionDisabledException", Message: MsgRegionDisabled}
)

type callerResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

type webIdentityResult struct {
	XMLName         xml.Name `xml:"AssumeRoleWithWebIdentityResult"`
	Subject         string   `xml:"SubjectFromWebIdentityToken"`
	Audience        string   `xml:"Audience"`
	AssumedRoleUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	} `xml:"AssumedRoleUser"`
	Credentials struct {
		SessionToken    string `xml:"SessionToken"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		Expiration      string `xml:"Expiration"`
		AccessKeyID     string `xml:"AccessKeyId"`
	} `xml:"Credentials"`
	Provider string `xml:"Provider"`
}

func (f *Fake) serveSTS(w http.ResponseWriter, req *request) {
	if !f.checkQuery(w, req) {
		return
	}
	switch req.action {
	case "GetCallerIdentity":
		if req.principal == nil {
			f.answerError(w, req, &apiError{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Status: http.StatusForbidden})
			return
		}
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return
		}
		p := req.principal
		f.answerQuery(w, req, callerResult{Arn: p.ARN, UserID: p.UserID, Account: p.Account})
	case "AssumeRoleWithWebIdentity":
		req.resource = req.form.Get("RoleArn")
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return
		}
		res, e := f.assumeRoleWithWebIdentity(req.http.Context(), req.form.Get("RoleArn"), req.form.Get("RoleSessionName"),
			req.form.Get("WebIdentityToken"), req.form.Get("DurationSeconds"))
		if e != nil {
			f.answerError(w, req, e)
			return
		}
		f.answerQuery(w, req, res)
	default:
		f.answerError(w, req, &apiError{Code: "InvalidAction", Message: "Could not find operation " + req.action + " for version " + versions["sts"], Status: http.StatusBadRequest})
	}
}

// webClaims are the claims STS reads from the token.
type webClaims struct {
	jwt.Claims
}

func invalidToken(msg string) *apiError {
	return &apiError{Code: "InvalidIdentityToken", Message: msg, Status: http.StatusBadRequest}
}

var tokenAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512}

// assumeRoleWithWebIdentity judges a web-identity request in the order
// STS's answers imply: the token must be a JWT; the role's account must
// hold a provider for its issuer (docs/reference/sts-errors.md: "The OIDC IdP and the
// IAM role must be in the same AWS account"); the token must verify
// against the issuer's keys (when Verify is set); it must not be expired;
// its audience must be in the provider's ClientIDList; and the role must
// exist and trust the request (docs/reference/trust-policy.md).
func (f *Fake) assumeRoleWithWebIdentity(ctx context.Context, roleARN, session, token, duration string) (*webIdentityResult, *apiError) {
	st := f.state()
	ref, err := arn.ParseRole(roleARN)
	if err != nil {
		return nil, &apiError{Code: "ValidationError", Message: "Request ARN is invalid", Status: http.StatusBadRequest}
	}
	tok, err := jwt.ParseSigned(token, tokenAlgorithms)
	if err != nil || len(tok.Headers) == 0 {
		return nil, invalidToken(MsgNotJWT)
	}
	var claims webClaims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return nil, invalidToken(MsgNotJWT)
	}
	var provider *OIDCProvider
	host := strings.TrimPrefix(claims.Issuer, "https://")
	for _, p := range accountProviders(st, ref.Account) {
		if _, u, _ := providerParts(p.ARN); u == host {
			provider = &p
			break
		}
	}
	if provider == nil || !strings.HasPrefix(claims.Issuer, "https://") {
		return nil, invalidToken(MsgNoProvider(claims.Issuer))
	}
	if st.Verify != nil && st.Verify.Client != nil {
		if e := verifyToken(ctx, st.Verify, provider, claims.Issuer, tok); e != nil {
			return nil, e
		}
	}
	now := f.now()
	if claims.Expiry == nil || !now.Before(claims.Expiry.Time()) {
		exp := int64(0)
		if claims.Expiry != nil {
			exp = int64(*claims.Expiry)
		}
		return nil, &apiError{Code: "ExpiredTokenException", Message: MsgExpired(now.Unix(), exp), Status: http.StatusBadRequest}
	}
	audience := ""
	for _, a := range claims.Audience {
		if slices.Contains(provider.ClientIDs, a) {
			audience = a
			break
		}
	}
	if audience == "" {
		return nil, invalidToken(MsgIncorrectAudience)
	}
	// STS finds the role by account and name, case-sensitively (the
	// check IRSA201 relies on this for a name that differs in case).
	var role *Role
	for i, r := range st.Roles {
		if rr, _ := arn.ParseRole(r.ARN); rr.Account == ref.Account && rr.Name == ref.Name {
			role = &st.Roles[i]
			break
		}
	}
	denied := &apiError{Code: "AccessDenied", Message: MsgNotAuthorized, Status: http.StatusForbidden}
	if role == nil {
		return nil, denied // STS does not say the role is missing (docs/reference/sts-errors.md)
	}
	doc, err := policy.ParseDocument(role.TrustPolicy)
	if err != nil {
		return nil, denied
	}
	_, purl, _ := providerParts(provider.ARN)
	wreq := policy.WebIdentityRequest(provider.ARN, purl, audience, claims.Subject)
	// STS knows every key of its own request: a condition on a key this
	// request lacks is evaluated as absent, not as unknown.
	wreq.UnknownKeys = nil
	if doc.Evaluate(wreq).Decision != policy.Allowed {
		return nil, denied
	}
	secs := int64(3600)
	if duration != "" {
		n, err := strconv.ParseInt(duration, 10, 64)
		if err != nil || n < 900 {
			return nil, &apiError{Code: "ValidationError", Message: "1 validation error detected: Value '" + duration +
				"' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", Status: http.StatusBadRequest}
		}
		if n > int64(role.MaxSessionDuration) {
			return nil, &apiError{Code: "ValidationError", Message: MsgDurationTooLong, Status: http.StatusBadRequest}
		}
		secs = n
	}
	res := &webIdentityResult{Subject: claims.Subject, Audience: audience, Provider: claims.Issuer}
	res.AssumedRoleUser.Arn = "arn:" + ref.Partition + ":sts::" + ref.Account + ":assumed-role/" + ref.Name + "/" + session
	res.AssumedRoleUser.AssumedRoleID = role.RoleID + ":" + session
	res.Credentials.AccessKeyID = fakeID("ASIA", roleARN+session+now.String())[:20]
	res.Credentials.SecretAccessKey = "fake-temporary-secret"
	res.Credentials.SessionToken = "fake-session-token"
	res.Credentials.Expiration = isoTime(now.Add(time.Duration(secs) * time.Second).Truncate(time.Second))
	return res, nil
}

// verifyToken fetches the issuer's discovery document and JWKS over HTTPS,
// as STS does, checks the thumbprint when asked, and verifies the token's
// signature with the key its kid names. STS gives up on an IdP slower than
// 5 seconds (docs/reference/sts-errors.md).
func verifyToken(ctx context.Context, v *Verification, provider *OIDCProvider, issuer string, tok *jwt.JSONWebToken) *apiError {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if _, err := fetchJSON(ctx, v.Client, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return invalidToken(MsgVerificationKey)
	}
	if disc.Issuer != issuer || !strings.HasPrefix(disc.JWKSURI, "https://") {
		return invalidToken(MsgDiscovery(issuer))
	}
	var keys jose.JSONWebKeySet
	resp, err := fetchJSON(ctx, v.Client, disc.JWKSURI, &keys)
	if err != nil {
		return invalidToken(MsgVerificationKey)
	}
	if v.CheckThumbprint {
		if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
			return invalidToken(MsgThumbprint)
		}
		chain := resp.TLS.PeerCertificates
		sum := sha1.Sum(chain[len(chain)-1].Raw)
		got := hex.EncodeToString(sum[:])
		if !slices.ContainsFunc(provider.Thumbprints, func(t string) bool { return strings.EqualFold(t, got) }) {
			return invalidToken(MsgThumbprint)
		}
	}
	// A kid the JWKS does not hold, or a signature its key does not
	// verify: STS's answer is not in docs/reference/README.md; the closest documented
	// one is that no verification key could be had.
	kid := tok.Headers[0].KeyID
	found := keys.Key(kid)
	if len(found) == 0 {
		return invalidToken(MsgVerificationKey)
	}
	var claims webClaims
	if err := tok.Claims(found[0].Key, &claims); err != nil {
		return invalidToken(MsgVerificationKey)
	}
	return nil
}

// fetchJSON GETs url and decodes its JSON body into dst.
func fetchJSON(ctx context.Context, c *http.Client, url string, dst any) (*http.Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	resp, err := c.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	return resp, nil
}
