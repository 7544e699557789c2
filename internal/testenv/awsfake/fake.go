package awsfake

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// Defaults used when State leaves a field empty.
const (
	DefaultAccount   = "111122223333"
	DefaultRegion    = "us-west-2"
	DefaultPartition = "aws"
)

// State is what the fake AWS holds. The test fills it before New and may
// change it later through Fake.Update.
type State struct {
	Region    string // default DefaultRegion
	Partition string // default DefaultPartition
	// Principals are the identities whose access keys the fake accepts.
	// The first is the one Config signs as. Default: one IAM user in
	// DefaultAccount.
	Principals []Principal
	Clusters   []Cluster
	Roles      []Role
	Providers  []OIDCProvider
	// Instances are served by ec2:DescribeInstances (ec2.go).
	Instances []Instance
	// InstanceProfiles and ManagedPolicies are served by the node-role
	// IAM calls (iamnode.go), with Role.AttachedPolicies and
	// Role.InlinePolicies.
	InstanceProfiles []InstanceProfile
	ManagedPolicies  []ManagedPolicy
	// RolePolicyPage, when above 0, is the page size of
	// ListAttachedRolePolicies and ListRolePolicies (iamnode.go): IAM may
	// return fewer items than asked for, with IsTruncated and a Marker.
	RolePolicyPage int
	// PodIdentityAssociations are served by the EKS association calls.
	PodIdentityAssociations []PodIdentityAssociation
	// TrailEvents are the CloudTrail events cloudtrail:LookupEvents
	// serves (cloudtrail.go), of any region.
	TrailEvents []TrailEvent
	// Simulations are iam:SimulatePrincipalPolicy's answers (simulate.go);
	// SimulationPage, when above 0, caps its page size below MaxItems.
	Simulations    []Simulation
	SimulationPage int
	// ListClustersPageSize is the page size of eks:ListClusters when the
	// request names no maxResults; 0 means 100, as EKS does.
	ListClustersPageSize int
	// Verify, when set, makes AssumeRoleWithWebIdentity fetch the issuer's
	// discovery document and JWKS over HTTPS and check the token's
	// signature (and optionally the thumbprint) as STS does; when nil the
	// token's claims are taken as they are.
	Verify *Verification
	// Now is the clock STS checks token expiry against; nil is time.Now.
	Now func() time.Time
	// Delays holds a time to wait before answering, per "service:Action"
	// (to test per-call timeouts, cancellation and the concurrency bound).
	Delays map[string]time.Duration
}

// Principal is an identity that signs requests.
type Principal struct {
	AccessKeyID     string
	SecretAccessKey string
	Account         string
	// ARN is what GetCallerIdentity returns, e.g.
	// arn:aws:sts::111122223333:assumed-role/ReadOnly/alice.
	ARN    string
	UserID string
}

// Cluster is an EKS cluster of the fake's region.
type Cluster struct {
	Name            string
	Account         string // default: the first principal's account
	Endpoint        string // https://...eks.amazonaws.com
	Issuer          string // https://oidc.eks.REGION.amazonaws.com/id/ID; "" for none
	Version         string // default "1.31"
	PlatformVersion string // default "eks.12"
	Status          string // default ACTIVE
	CreatedAt       time.Time
}

// ARN is the cluster's ARN in the fake's partition and region.
func (c Cluster) arn(partition, region string) string {
	return "arn:" + partition + ":eks:" + region + ":" + c.Account + ":cluster/" + c.Name
}

// Role is an IAM role; its account, path and name come from ARN.
type Role struct {
	ARN         string
	TrustPolicy string // the JSON document, as the test writes it
	// MaxSessionDuration in seconds; 0 means 3600, IAM's default.
	MaxSessionDuration int32
	RoleID             string // default derived from the name
	Description        string
	CreateDate         time.Time
	// AttachedPolicies are the ARNs of its managed policies and
	// InlinePolicies its inline documents by name (iamnode.go).
	AttachedPolicies []string
	InlinePolicies   map[string]string
	// PermissionsBoundary is the ARN of its permissions boundary, "" for
	// none; GetRole returns it (IAM API reference, Role).
	PermissionsBoundary string
}

// OIDCProvider is an IAM OIDC identity provider; its account and Url come
// from ARN (arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH).
type OIDCProvider struct {
	ARN         string
	ClientIDs   []string
	Thumbprints []string
	CreateDate  time.Time
}

// PodIdentityAssociation is an EKS Pod Identity association.
type PodIdentityAssociation struct {
	Cluster            string
	ID                 string // a-xxxxxxxxxxxxxxxxx
	Namespace          string
	ServiceAccount     string
	RoleARN            string
	TargetRoleARN      string
	ExternalID         string
	DisableSessionTags bool
	CreatedAt          time.Time
}

// Verification configures how AssumeRoleWithWebIdentity verifies tokens.
type Verification struct {
	// Client fetches the issuer's discovery document and JWKS; it must
	// trust the issuer's TLS certificate and reach its host (for the
	// testenv issuer: testenv's Cluster.HTTPClient(), which dials
	// oidc.irsa-doctor.test to the harness's OIDC proxy).
	Client *http.Client
	// CheckThumbprint compares the SHA-1 of the top certificate of the
	// JWKS host's chain with the provider's ThumbprintList, as IAM does
	// for an IdP whose certificate is not signed by a CA of its trusted
	// library (docs/reference/trust-policy.md#thumbprint-no-longer-used, docs/reference/thumbprint.md): a test CA never is.
	CheckThumbprint bool
}

// Fault makes matching requests fail with an AWS error.
type Fault struct {
	Action string // "iam:GetRole"
	// Resource limits the fault to one resource: a role's ARN or name, a
	// cluster's name or ARN, a provider's ARN, or (sts:
	// AssumeRoleWithWebIdentity) the role ARN asked for. "" matches any.
	Resource string
	// Account limits the fault to requests signed by a principal of this
	// account; "" matches any.
	Account string
	Code    string // "AccessDenied", "Throttling", ...
	// Message is the error message; "" gives AWS's message for the code
	// (see defaultMessage).
	Message string
	// Status is the HTTP status; 0 gives AWS's status for the code.
	Status int
	// Times is how many matching calls fail; 0 means all of them.
	Times int
	hits  int
}

// StatusClientGone is the Status of a call whose client went away while
// the fake was delaying its answer (State.Delays).
const StatusClientGone = 499

// Call is one request the fake received.
type Call struct {
	Action   string // "iam:GetRole"
	Resource string // the role name, cluster name, provider ARN, role ARN (sts) or ""
	Account  string // the signing principal's account; "" when unsigned
	Status   int    // the HTTP status answered
	// Attempt is the SDK's attempt number of the call (its
	// Amz-Sdk-Request header, "attempt=2; max=3"): 1 for a first try, more
	// for a retry; 0 when the header is absent. The SDK retries a call
	// whose connection closed under it (net.ErrClosed, aws-sdk-go-v2#2737),
	// which a fast loopback server makes happen now and then.
	Attempt int
	// Form is the request's query-protocol parameters (IAM, STS, EC2);
	// nil for the JSON protocols.
	Form url.Values
}

// Fake is a running fake AWS.
type Fake struct {
	// URL is the server's base URL, the BaseEndpoint of every service.
	URL string

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	st       State
	faults   []*Fault
	calls    []Call
	seq      int
	inFlight int
	peak     int
}

// New starts a fake AWS with state st; it stops when the test ends.
func New(t testing.TB, st State) *Fake {
	t.Helper()
	f := &Fake{t: t}
	f.st = withDefaults(st)
	for _, r := range f.st.Roles {
		if _, err := arn.ParseRole(r.ARN); err != nil {
			t.Fatalf("awsfake: role %q: %v", r.ARN, err)
		}
	}
	for _, p := range f.st.Providers {
		if _, _, ok := providerParts(p.ARN); !ok {
			t.Fatalf("awsfake: provider %q is not arn:PARTITION:iam::ACCOUNT:oidc-provider/URL", p.ARN)
		}
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	// Set TCP_NODELAY on every accepted connection: without it a small
	// response written in two segments waits for the client's delayed
	// ACK, and every SDK call takes 40 ms more.
	f.srv.Listener = noDelayListener{f.srv.Listener}
	f.srv.Start()
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

func withDefaults(st State) State {
	if st.Region == "" {
		st.Region = DefaultRegion
	}
	if st.Partition == "" {
		st.Partition = DefaultPartition
	}
	if len(st.Principals) == 0 {
		st.Principals = []Principal{{Account: DefaultAccount}}
	}
	for i := range st.Principals {
		p := &st.Principals[i]
		if p.Account == "" {
			p.Account = DefaultAccount
		}
		if p.AccessKeyID == "" {
			p.AccessKeyID = fmt.Sprintf("AKIAFAKE%s%02d", p.Account[len(p.Account)-6:], i)
		}
		if p.SecretAccessKey == "" {
			p.SecretAccessKey = "fake-secret-" + p.AccessKeyID
		}
		if p.ARN == "" {
			p.ARN = "arn:" + st.Partition + ":iam::" + p.Account + ":user/irsa-doctor"
		}
		if p.UserID == "" {
			p.UserID = fmt.Sprintf("AIDAFAKE%s%02d", p.Account, i)
		}
	}
	for i := range st.Clusters {
		c := &st.Clusters[i]
		if c.Account == "" {
			c.Account = st.Principals[0].Account
		}
		if c.Version == "" {
			c.Version = "1.31"
		}
		if c.PlatformVersion == "" {
			c.PlatformVersion = "eks.12"
		}
		if c.Status == "" {
			c.Status = "ACTIVE"
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = time.Date(2026, 3, 2, 15, 10, 44, 512000000, time.UTC)
		}
	}
	for i := range st.Instances {
		in := &st.Instances[i]
		if in.Account == "" {
			in.Account = st.Principals[0].Account
		}
		if in.Type == "" {
			in.Type = "m6i.large"
		}
		if in.Zone == "" {
			in.Zone = st.Region + "a"
		}
		if in.HTTPTokens == "" {
			in.HTTPTokens = "required"
		}
		if in.HopLimit == 0 {
			in.HopLimit = 2
		}
		if in.HTTPEndpoint == "" {
			in.HTTPEndpoint = "enabled"
		}
		if in.LaunchTime.IsZero() {
			in.LaunchTime = time.Date(2026, 11, 2, 8, 12, 41, 0, time.UTC)
		}
	}
	for i := range st.Roles {
		r := &st.Roles[i]
		if r.MaxSessionDuration == 0 {
			r.MaxSessionDuration = 3600
		}
		if r.CreateDate.IsZero() {
			r.CreateDate = time.Date(2026, 9, 14, 8, 5, 12, 0, time.UTC)
		}
		if r.RoleID == "" {
			r.RoleID = fakeID("AROA", r.ARN)
		}
	}
	for i := range st.Providers {
		if st.Providers[i].CreateDate.IsZero() {
			st.Providers[i].CreateDate = time.Date(2026, 3, 2, 15, 30, 1, 120000000, time.UTC)
		}
	}
	return st
}

// fakeID is an IAM-style unique ID (prefix plus 17 upper-case characters)
// derived from s, so that it is stable across runs.
func fakeID(prefix, s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < 17; i++ {
		b.WriteByte(alphabet[h%32])
		h = h/32 + uint64(i)*0x9e3779b97f4a7c15
	}
	return b.String()
}

// providerParts splits an OIDC provider ARN,
// arn:PARTITION:iam::ACCOUNT:oidc-provider/URL. Unlike arn.ParseOIDCProvider
// it takes a URL with a port, which IAM refuses: the testenv issuer has
// none (https://oidc.irsa-doctor.test/id/ID), but unit tests serve issuers
// from httptest servers on https://127.0.0.1:PORT.
func providerParts(s string) (account, url string, ok bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !arn.IsAccountID(f[4]) {
		return "", "", false
	}
	url, ok = strings.CutPrefix(f[5], "oidc-provider/")
	return f[4], url, ok && url != ""
}

type noDelayListener struct{ net.Listener }

func (l noDelayListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			c.Close()
			return nil, fmt.Errorf("set TCP_NODELAY: %w", err)
		}
	}
	return c, nil
}

// Config is an aws.Config that signs as the first principal and sends
// every service to the fake.
func (f *Fake) Config() aws.Config {
	f.mu.Lock()
	p := f.st.Principals[0]
	f.mu.Unlock()
	return f.configFor(p)
}

// ConfigAs is an aws.Config that signs as the first principal of account.
func (f *Fake) ConfigAs(account string) aws.Config {
	f.t.Helper()
	f.mu.Lock()
	var found *Principal
	for i := range f.st.Principals {
		if f.st.Principals[i].Account == account {
			found = &f.st.Principals[i]
			break
		}
	}
	f.mu.Unlock()
	if found == nil {
		f.t.Fatalf("awsfake: no principal in account %s", account)
		return aws.Config{}
	}
	return f.configFor(*found)
}

func (f *Fake) configFor(p Principal) aws.Config {
	f.mu.Lock()
	region := f.st.Region
	f.mu.Unlock()
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(f.URL),
		HTTPClient:   f.srv.Client(),
		Credentials:  credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, ""),
		// The SDK's standard retryer (so throttling is retried exactly as
		// in production), without the waits: throttling backs off 1 s
		// otherwise, and the client-side retry quota would make a test's
		// outcome depend on how many retries earlier tests spent.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
				o.RateLimiter = ratelimit.None
			})
		},
	}
}

// Update changes the state under the fake's lock.
func (f *Fake) Update(fn func(*State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.st)
	f.st = withDefaults(f.st)
}

// Inject adds a fault. Faults are tried in the order they were added.
func (f *Fake) Inject(ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := ft
	f.faults = append(f.faults, &c)
}

// Deny makes action on resource ("" for any) fail with the service's
// access-denied error and AWS's message for it.
func (f *Fake) Deny(action, resource string) {
	code := "AccessDenied"
	switch {
	case strings.HasPrefix(action, "eks:"), strings.HasPrefix(action, "cloudtrail:"):
		code = "AccessDeniedException"
	case strings.HasPrefix(action, "ec2:"):
		code = "UnauthorizedOperation"
	}
	f.Inject(Fault{Action: action, Resource: resource, Code: code})
}

// Throttle makes the first n calls of action fail with the service's
// throttling error, which the SDK retries.
func (f *Fake) Throttle(action string, n int) {
	code := "Throttling"
	if strings.HasPrefix(action, "eks:") || strings.HasPrefix(action, "cloudtrail:") {
		code = "ThrottlingException"
	}
	f.Inject(Fault{Action: action, Code: code, Times: n})
}

// Calls returns how many requests each "service:Action" received
// (retries included).
func (f *Fake) Calls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, c := range f.calls {
		out[c.Action]++
	}
	return out
}

// Count returns how many requests action received (retries included).
func (f *Fake) Count(action string) int { return f.Calls()[action] }

// Queries counts the calls of action that were first attempts: an SDK
// retry (Call.Attempt > 1) asks the same question again.
func (f *Fake) Queries(action string) int {
	n := 0
	for _, c := range f.Log() {
		if c.Action == action && c.Attempt <= 1 {
			n++
		}
	}
	return n
}

// Actions returns the distinct actions called, sorted.
func (f *Fake) Actions() []string {
	var out []string
	for a := range f.Calls() {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Log returns every request received, in order.
func (f *Fake) Log() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Peak returns the most requests the fake served at once.
func (f *Fake) Peak() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

// Reset forgets the recorded calls and the peak (faults and state stay).
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
	f.peak = 0
}

// apiError is an AWS error answer.
type apiError struct {
	Code, Message string
	Status        int
}

// request is one decoded request.
type request struct {
	service   string // iam, sts, eks
	action    string // GetRole
	resource  string // for faults and the log
	resources []string
	principal *Principal // nil when unsigned
	form      url.Values // query protocol parameters
	body      []byte     // the raw body (JSON protocols)
	region    string     // of the SigV4 credential scope
	http      *http.Request
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req := &request{http: r, body: body, region: scopeRegion(r.Header.Get("Authorization"))}
	service, key := credentialScope(r.Header.Get("Authorization"))
	if r.Method == http.MethodPost {
		req.form, _ = url.ParseQuery(string(body))
	}
	if service == "" {
		// The SDK sends AssumeRoleWithWebIdentity unsigned: the token is
		// the credential.
		if req.form.Get("Action") == "AssumeRoleWithWebIdentity" {
			service = "sts"
		} else {
			f.answerQueryError(w, req, "sts", &apiError{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Status: http.StatusForbidden})
			return
		}
	}
	req.service = service
	switch service {
	case "iam", "sts", "ec2":
		req.action = req.form.Get("Action")
		// The resource named, for the log (the handlers refine it).
		for _, k := range []string{"RoleName", "OpenIDConnectProviderArn", "RoleArn"} {
			if v := req.form.Get(k); v != "" {
				req.resource = v
			}
		}
	case "eks":
		req.action, req.resources = eksRoute(r)
		if len(req.resources) > 0 {
			req.resource = req.resources[0]
		}
	case "cloudtrail":
		req.action = trailAction(r)
		req.resource = req.region
	default:
		http.Error(w, "awsfake: unknown service "+service, http.StatusBadRequest)
		return
	}
	if key != "" {
		req.principal = f.principal(key)
		if req.principal == nil {
			f.answerError(w, req, &apiError{Code: invalidKeyCode(service), Message: "The security token included in the request is invalid.", Status: http.StatusForbidden})
			return
		}
	}
	if d := f.state().Delays[service+":"+req.action]; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			f.record(req, StatusClientGone)
			return
		}
	}
	switch service {
	case "iam":
		f.serveIAM(w, req)
	case "sts":
		f.serveSTS(w, req)
	case "eks":
		f.serveEKS(w, req)
	case "ec2":
		f.serveEC2(w, req)
	case "cloudtrail":
		f.serveCloudTrail(w, req)
	}
}

func invalidKeyCode(service string) string {
	switch service {
	case "eks", "cloudtrail":
		return "UnrecognizedClientException"
	case "ec2":
		return "AuthFailure"
	}
	return "InvalidClientTokenId"
}

// credentialScope returns the service and access key of a SigV4
// Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/
// SERVICE/aws4_request, SignedHeaders=..., Signature=...".
func credentialScope(h string) (service, key string) {
	_, rest, ok := strings.Cut(h, "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[3], parts[0]
}

// scopeRegion returns the region of a SigV4 Authorization header's
// credential scope: the region the client signed for.
func scopeRegion(h string) string {
	_, rest, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[2]
}

func (f *Fake) principal(key string) *Principal {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.st.Principals {
		if f.st.Principals[i].AccessKeyID == key {
			p := f.st.Principals[i]
			return &p
		}
	}
	return nil
}

// fault returns the error of the first fault matching the request, if any,
// and counts the hit.
func (f *Fake) fault(req *request) *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	full := req.service + ":" + req.action
	for _, ft := range f.faults {
		if ft.Action != full || (ft.Times > 0 && ft.hits >= ft.Times) {
			continue
		}
		if ft.Account != "" && (req.principal == nil || req.principal.Account != ft.Account) {
			continue
		}
		if ft.Resource != "" && !matchesResource(req, ft.Resource) {
			continue
		}
		ft.hits++
		e := &apiError{Code: ft.Code, Message: ft.Message, Status: ft.Status}
		if e.Status == 0 {
			e.Status = defaultStatus(ft.Code)
			if req.service == "cloudtrail" {
				// CloudTrail (AWS JSON 1.1) answers its errors, access
				// denied and throttling included, with 400.
				e.Status = http.StatusBadRequest
			}
		}
		if e.Message == "" {
			e.Message = defaultMessage(req, ft.Code)
		}
		return e
	}
	return nil
}

func matchesResource(req *request, want string) bool {
	if want == req.resource {
		return true
	}
	for _, r := range req.resources {
		if r == want {
			return true
		}
	}
	return false
}

// defaultStatus is the HTTP status AWS answers each error code with.
func defaultStatus(code string) int {
	switch code {
	case "NoSuchEntity", "ResourceNotFoundException":
		return http.StatusNotFound
	case "AccessDenied", "AccessDeniedException", "IDPRejectedClaim", "RegionDisabledException",
		"InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "SignatureDoesNotMatch",
		"UnauthorizedOperation":
		return http.StatusForbidden
	case "ThrottlingException", "TooManyRequestsException":
		return http.StatusTooManyRequests
	case "ServiceFailure", "ServerException", "InternalFailure":
		return http.StatusInternalServerError
	case "ServiceUnavailable", "ServiceUnavailableException":
		return http.StatusServiceUnavailable
	}
	// Throttling (IAM, STS), InvalidIdentityToken, ExpiredTokenException,
	// IDPCommunicationError, ValidationError, InvalidInput, ...
	return http.StatusBadRequest
}

// defaultMessage is AWS's message for a code, for faults that name none.
func defaultMessage(req *request, code string) string {
	switch code {
	case "AccessDenied", "AccessDeniedException":
		who := "anonymous"
		if req.principal != nil {
			who = req.principal.ARN
		}
		action := req.service + ":" + req.action
		if req.service == "sts" && req.action == "AssumeRoleWithWebIdentity" {
			return "Not authorized to perform sts:AssumeRoleWithWebIdentity"
		}
		if req.service == "cloudtrail" {
			// LookupEvents has no resource-level permissions: IAM names
			// no resource.
			return fmt.Sprintf("User: %s is not authorized to perform: %s because no identity-based policy allows the %s action", who, action, action)
		}
		// IAM names a role as "role NAME" (docs/reference/README.md; bundle testdata
		// errors.txt, from a real AccessDenied); other resources by ARN.
		return fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			who, action, deniedResource(req), action)
	case "UnauthorizedOperation":
		// EC2 says it differently (EC2 API reference, "Error codes").
		who, action := "anonymous", req.service+":"+req.action
		if req.principal != nil {
			who = req.principal.ARN
		}
		return fmt.Sprintf("You are not authorized to perform this operation. User: %s is not authorized to perform: %s because no identity-based policy allows the %s action", who, action, action)
	case "Throttling", "ThrottlingException":
		return "Rate exceeded"
	}
	return code
}

func deniedResource(req *request) string {
	switch req.service + ":" + req.action {
	case "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetRolePolicy":
		return "role " + req.resource
	}
	if len(req.resources) > 0 {
		return req.resources[len(req.resources)-1]
	}
	if req.resource != "" {
		return req.resource
	}
	return "*"
}

// record logs the call.
func (f *Fake) record(req *request, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Call{Action: req.service + ":" + req.action, Resource: req.resource, Status: status, Attempt: attemptOf(req.http)}
	if req.service == "iam" || req.service == "sts" || req.service == "ec2" {
		c.Form = maps.Clone(req.form)
	}
	if req.principal != nil {
		c.Account = req.principal.Account
	}
	f.calls = append(f.calls, c)
}

// attemptOf reads the attempt number of the SDK's Amz-Sdk-Request header.
func attemptOf(r *http.Request) int {
	if r == nil {
		return 0
	}
	for _, part := range strings.Split(r.Header.Get("Amz-Sdk-Request"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func (f *Fake) requestID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return fmt.Sprintf("0b6a7c2e-%04x-4f1d-9c3a-%012x", f.seq&0xffff, f.seq)
}

func (f *Fake) answerError(w http.ResponseWriter, req *request, e *apiError) {
	switch req.service {
	case "eks":
		f.answerEKSError(w, req, e)
		return
	case "ec2":
		f.answerEC2Error(w, req, e)
		return
	case "cloudtrail":
		f.answerTrailError(w, req, e)
		return
	}
	f.answerQueryError(w, req, req.service, e)
}

func (f *Fake) now() time.Time {
	f.mu.Lock()
	now := f.st.Now
	f.mu.Unlock()
	if now != nil {
		return now()
	}
	return time.Now()
}

// snapshot returns a copy of the state to read without the lock.
func (f *Fake) state() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}
