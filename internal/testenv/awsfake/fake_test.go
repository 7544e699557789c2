package awsfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

const (
	issuer      = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	issuerHost  = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	providerARN = "arn:aws:iam::111122223333:oidc-provider/" + issuerHost
	roleARN     = "arn:aws:iam::111122223333:role/payments-s3-reader"
	trust       = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuerHost + `:sub":"system:serviceaccount:payments:s3-reader","` +
		issuerHost + `:aud":"sts.amazonaws.com"}}}]}`
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func world() State {
	return State{
		Principals: []Principal{{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/ReadOnly/alice"}, {Account: "444455556666"}},
		Clusters:   []Cluster{{Name: "prod", Endpoint: "https://EXAMPLED539D4633E53DE1B71EXAMPLE.gr7.us-west-2.eks.amazonaws.com", Issuer: issuer}},
		Roles:      []Role{{ARN: roleARN, TrustPolicy: trust}, {ARN: "arn:aws:iam::444455556666:role/other", TrustPolicy: trust}},
		Providers:  []OIDCProvider{{ARN: providerARN, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}}},
		Now:        func() time.Time { return now },
	}
}

// apiErr returns the code, message and HTTP status of an SDK error.
func apiErr(t *testing.T, err error) (string, string, int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	status := 0
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), ae.ErrorMessage(), status
}

// rawPost sends a query-protocol request as a signed SDK would, to see
// the wire format itself.
func rawPost(t *testing.T, f *Fake, service, form string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.URL, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	key := f.state().Principals[0].AccessKeyID
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/20261126/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

var requestID = regexp.MustCompile(`<RequestId>[^<]+</RequestId>`)

func TestWireFormat(t *testing.T) {
	f := New(t, world())
	tests := []struct {
		name, service, form string
		status              int
		body                string
	}{
		{"GetRole answers the policy URL-encoded", "iam", "Action=GetRole&Version=2010-05-08&RoleName=payments-s3-reader", 200,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/</Path>` +
				`<AssumeRolePolicyDocument>` + encodePolicy(trust) + `</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration>` +
				`<RoleId>` + fakeID("AROA", roleARN) + `</RoleId><RoleLastUsed></RoleLastUsed><RoleName>payments-s3-reader</RoleName>` +
				`<Arn>` + roleARN + `</Arn><CreateDate>2026-09-14T08:05:12Z</CreateDate></Role></GetRoleResult>` +
				`<ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></GetRoleResponse>`},
		{"NoSuchEntity is a 404 Sender error", "iam", "Action=GetRole&Version=2010-05-08&RoleName=ghost", 404,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>` +
				`<Code>NoSuchEntity</Code><Message>The role with name ghost cannot be found.</Message></Error><RequestId>ID</RequestId></ErrorResponse>`},
		{"a wrong version is InvalidAction", "iam", "Action=GetRole&Version=2011-06-15&RoleName=x", 400,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>` +
				`<Code>InvalidAction</Code><Message>Could not find operation GetRole for version 2011-06-15</Message></Error><RequestId>ID</RequestId></ErrorResponse>`},
		{"GetCallerIdentity", "sts", "Action=GetCallerIdentity&Version=2011-06-15", 200,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
				`<Arn>arn:aws:sts::111122223333:assumed-role/ReadOnly/alice</Arn><UserId>AIDAFAKE11112222333300</UserId><Account>111122223333</Account>` +
				`</GetCallerIdentityResult><ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></GetCallerIdentityResponse>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := rawPost(t, f, tt.service, tt.form)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if ct := hdr.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q, want text/xml", ct)
			}
			if diff := cmp.Diff(tt.body, requestID.ReplaceAllString(body, "<RequestId>ID</RequestId>")); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("EKS names its error in x-amzn-ErrorType", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, f.URL+"/clusters/nope", nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+f.state().Principals[0].AccessKeyID+"/20261126/us-west-2/eks/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 404 || resp.Header.Get("x-amzn-ErrorType") != "ResourceNotFoundException" ||
			string(body) != `{"clusterName":"nope","message":"No cluster found for name: nope."}` {
			t.Errorf("got %d %q %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body)
		}
	})
}

// TestSDK drives every answer through the real SDK, which must parse it.
func TestSDK(t *testing.T) {
	ctx := context.Background()
	f := New(t, world())
	cfg := f.Config()

	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != "111122223333" || aws.ToString(who.Arn) != "arn:aws:sts::111122223333:assumed-role/ReadOnly/alice" {
		t.Errorf("GetCallerIdentity: %s %s", aws.ToString(who.Account), aws.ToString(who.Arn))
	}

	ic := iam.NewFromConfig(cfg)
	role, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("PAYMENTS-S3-READER")})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{aws.ToString(role.Role.RoleName), aws.ToString(role.Role.Arn), aws.ToString(role.Role.AssumeRolePolicyDocument),
		aws.ToInt32(role.Role.MaxSessionDuration), role.Role.CreateDate.Format(time.RFC3339)}
	want := []any{"payments-s3-reader", roleARN, encodePolicy(trust), int32(3600), "2026-09-14T08:05:12Z"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetRole, found case-insensitively as IAM does (-want +got):\n%s", diff)
	}
	_, err = ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("other")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("GetRole of a role of another account: %v, want NoSuchEntity (IAM reads the caller's account)", err)
	}

	list, err := ic.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil || len(list.OpenIDConnectProviderList) != 1 || aws.ToString(list.OpenIDConnectProviderList[0].Arn) != providerARN {
		t.Errorf("ListOpenIDConnectProviders: %+v, %v", list, err)
	}
	empty, err := iam.NewFromConfig(f.ConfigAs("444455556666")).ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil || empty.OpenIDConnectProviderList == nil || len(empty.OpenIDConnectProviderList) != 0 {
		t.Errorf("ListOpenIDConnectProviders of an account without providers: %+v, %v; want an empty, non-nil list", empty, err)
	}
	p, err := ic.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(providerARN)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{issuerHost, []string{"sts.amazonaws.com"}, []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}},
		[]any{aws.ToString(p.Url), p.ClientIDList, p.ThumbprintList}); diff != "" {
		t.Errorf("GetOpenIDConnectProvider (-want +got):\n%s", diff)
	}
	_, err = ic.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::111122223333:oidc-provider/example.com")})
	if code, msg, status := apiErr(t, err); code != "NoSuchEntity" || msg != "OpenIDConnect Provider not found for arn arn:aws:iam::111122223333:oidc-provider/example.com" || status != 404 {
		t.Errorf("GetOpenIDConnectProvider of a missing provider: %s %q %d", code, msg, status)
	}

	ec := eks.NewFromConfig(cfg)
	c, err := ec.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"prod", "arn:aws:eks:us-west-2:111122223333:cluster/prod", issuer, "2026-03-02T15:10:44.512Z", ekstypes.ClusterStatusActive},
		[]any{aws.ToString(c.Cluster.Name), aws.ToString(c.Cluster.Arn), aws.ToString(c.Cluster.Identity.Oidc.Issuer),
			c.Cluster.CreatedAt.UTC().Format(time.RFC3339Nano), c.Cluster.Status}); diff != "" {
		t.Errorf("DescribeCluster (-want +got):\n%s", diff)
	}
	_, err = ec.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("nope")})
	var rnf *ekstypes.ResourceNotFoundException
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "No cluster found for name: nope." {
		t.Errorf("DescribeCluster of a missing cluster: %v", err)
	}

	want2 := map[string]int{"sts:GetCallerIdentity": 1, "iam:GetRole": 2, "iam:ListOpenIDConnectProviders": 2,
		"iam:GetOpenIDConnectProvider": 2, "eks:DescribeCluster": 2}
	if diff := cmp.Diff(want2, f.Calls()); diff != "" {
		t.Errorf("recorded calls (-want +got):\n%s", diff)
	}
}

func TestListClustersPages(t *testing.T) {
	st := world()
	st.ListClustersPageSize = 2
	for _, n := range []string{"e", "d", "c", "b"} {
		st.Clusters = append(st.Clusters, Cluster{Name: n})
	}
	st.Clusters = append(st.Clusters, Cluster{Name: "elsewhere", Account: "444455556666"})
	f := New(t, st)
	var names []string
	pages := eks.NewListClustersPaginator(eks.NewFromConfig(f.Config()), &eks.ListClustersInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, page.Clusters...)
	}
	if diff := cmp.Diff([]string{"b", "c", "d", "e", "prod"}, names); diff != "" {
		t.Errorf("clusters of the caller's account (-want +got):\n%s", diff)
	}
	if n := f.Count("eks:ListClusters"); n != 3 {
		t.Errorf("%d ListClusters calls for 5 clusters in pages of 2, want 3", n)
	}
}

func TestPodIdentityAssociations(t *testing.T) {
	st := world()
	st.PodIdentityAssociations = []PodIdentityAssociation{
		{Cluster: "prod", ID: "a-0000000000000000b", Namespace: "payments", ServiceAccount: "api", RoleARN: roleARN},
		{Cluster: "prod", ID: "a-0000000000000000a", Namespace: "batch", ServiceAccount: "job", RoleARN: roleARN, TargetRoleARN: "arn:aws:iam::444455556666:role/other", ExternalID: "x"},
	}
	f := New(t, st)
	ec := eks.NewFromConfig(f.Config())
	ctx := context.Background()
	list, err := ec.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("prod"), Namespace: aws.String("payments")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Associations) != 1 || aws.ToString(list.Associations[0].AssociationId) != "a-0000000000000000b" ||
		aws.ToString(list.Associations[0].AssociationArn) != "arn:aws:eks:us-west-2:111122223333:podidentityassociation/prod/a-0000000000000000b" {
		t.Errorf("ListPodIdentityAssociations -n payments: %+v", list.Associations)
	}
	d, err := ec.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String("prod"), AssociationId: aws.String("a-0000000000000000a")})
	if err != nil {
		t.Fatal(err)
	}
	if a := d.Association; aws.ToString(a.TargetRoleArn) != "arn:aws:iam::444455556666:role/other" || aws.ToString(a.ExternalId) != "x" || aws.ToString(a.RoleArn) != roleARN {
		t.Errorf("DescribePodIdentityAssociation: %+v", a)
	}
	_, err = ec.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String("prod"), AssociationId: aws.String("a-nope")})
	if code, _, status := apiErr(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Errorf("DescribePodIdentityAssociation of a missing id: %s %d", code, status)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		inject func(f *Fake)
		call   func(cfg aws.Config) error
		code   string
		msg    string
		status int
		calls  int // requests the fake received, retries included
	}{
		{"denied GetRole names the role as IAM does", func(f *Fake) { f.Deny("iam:GetRole", roleARN) },
			func(cfg aws.Config) error {
				_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("payments-s3-reader")})
				return err
			},
			"AccessDenied", "User: arn:aws:sts::111122223333:assumed-role/ReadOnly/alice is not authorized to perform: iam:GetRole on resource: role payments-s3-reader because no identity-based policy allows the iam:GetRole action",
			403, 1},
		{"denied DescribeCluster", func(f *Fake) { f.Deny("eks:DescribeCluster", "prod") },
			func(cfg aws.Config) error {
				_, err := eks.NewFromConfig(cfg).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("prod")})
				return err
			},
			"AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/ReadOnly/alice is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-west-2:111122223333:cluster/prod because no identity-based policy allows the eks:DescribeCluster action",
			403, 1},
		{"a fault for another role does not apply", func(f *Fake) { f.Deny("iam:GetRole", "arn:aws:iam::111122223333:role/other") },
			func(cfg aws.Config) error {
				_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("payments-s3-reader")})
				return err
			}, "", "", 0, 1},
		{"throttling is retried by the SDK", func(f *Fake) { f.Throttle("iam:GetRole", 2) },
			func(cfg aws.Config) error {
				_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("payments-s3-reader")})
				return err
			}, "", "", 0, 3},
		{"throttling beyond the SDK's attempts", func(f *Fake) { f.Throttle("eks:DescribeCluster", 5) },
			func(cfg aws.Config) error {
				_, err := eks.NewFromConfig(cfg).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("prod")})
				return err
			}, "ThrottlingException", "Rate exceeded", 429, 3},
		{"an unknown access key", func(f *Fake) {},
			func(cfg aws.Config) error {
				cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, nil
				}))
				_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			}, "InvalidClientTokenId", "The security token included in the request is invalid.", 403, 1},
		{"an action the fake does not serve is recorded", func(f *Fake) {},
			func(cfg aws.Config) error {
				_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
				return err
			}, "InvalidAction", "Could not find operation ListRoles for version 2010-05-08", 400, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(t, world())
			tt.inject(f)
			err := tt.call(f.Config())
			if tt.code == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
			} else {
				code, msg, status := apiErr(t, err)
				if diff := cmp.Diff([]any{tt.code, tt.msg, tt.status}, []any{code, msg, status}); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			}
			if n := len(f.Log()); n != tt.calls {
				t.Errorf("%d requests, want %d: %+v", n, tt.calls, f.Log())
			}
		})
	}
}

// issuerServer is an OIDC issuer on TLS: discovery and JWKS of key.
func issuerServer(t *testing.T, key *rsa.PrivateKey, kid string, discoveryIssuer func(url string) string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	mux.HandleFunc("/id/X/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": discoveryIssuer(srv.URL + "/id/X"), "jwks_uri": srv.URL + "/id/X/keys"})
	})
	mux.HandleFunc("/id/X/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
	})
	t.Cleanup(srv.Close)
	return srv
}

func token(t *testing.T, key *rsa.PrivateKey, kid, iss, sub string, aud []string, exp time.Time) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: iss, Subject: sub, Audience: aud, Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(exp.Add(-time.Hour))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sa := "system:serviceaccount:payments:s3-reader"
	aud := []string{"sts.amazonaws.com"}
	valid := now.Add(time.Hour)
	tests := []struct {
		name     string
		change   func(st *State)
		inject   *Fault
		role     string
		token    string
		duration int32
		code     string
		msg      string
		status   int
	}{
		{name: "success", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid)},
		{name: "no provider in the role's account", role: "arn:aws:iam::444455556666:role/other", token: token(t, key, "k1", issuer, sa, aud, valid),
			code: "InvalidIdentityToken", msg: "No OpenIDConnect provider found in your account for " + issuer, status: 400},
		{name: "another issuer", role: roleARN, token: token(t, key, "k1", "https://oidc.eks.us-west-2.amazonaws.com/id/OTHER", sa, aud, valid),
			code: "InvalidIdentityToken", msg: "No OpenIDConnect provider found in your account for https://oidc.eks.us-west-2.amazonaws.com/id/OTHER", status: 400},
		{name: "audience not in the ClientIDList", role: roleARN, token: token(t, key, "k1", issuer, sa, []string{"sts.amazon.com"}, valid),
			code: "InvalidIdentityToken", msg: "Incorrect token audience", status: 400},
		{name: "expired", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, now.Add(-time.Minute)),
			code: "ExpiredTokenException", msg: "Token expired: current date/time 1795694400 must be before the expiration date/time 1795694340", status: 400},
		{name: "the trust policy names another subject", role: roleARN, token: token(t, key, "k1", issuer, "system:serviceaccount:payments:api", aud, valid),
			code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithWebIdentity", status: 403},
		{name: "the role does not exist", role: "arn:aws:iam::111122223333:role/ghost", token: token(t, key, "k1", issuer, sa, aud, valid),
			code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithWebIdentity", status: 403},
		{name: "role names match case-sensitively", role: "arn:aws:iam::111122223333:role/Payments-S3-Reader", token: token(t, key, "k1", issuer, sa, aud, valid),
			code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithWebIdentity", status: 403},
		{name: "a longer session than the role allows", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid), duration: 7200,
			code: "ValidationError", msg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", status: 400},
		{name: "not a JWT", role: roleARN, token: "not-a-token",
			code: "InvalidIdentityToken", msg: MsgNotJWT, status: 400},
		{name: "injected thumbprint error", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid), inject: &FaultThumbprint,
			code: "InvalidIdentityToken", msg: "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint", status: 400},
		{name: "injected verification key error keeps its double space", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid), inject: &FaultVerificationKey,
			code: "InvalidIdentityToken", msg: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements", status: 400},
		{name: "injected IDP communication error", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid), inject: &FaultIDPCommunication,
			code: "IDPCommunicationError", msg: MsgIDPCommunication, status: 400},
		{name: "injected IDP rejected claim", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid), inject: &FaultIDPRejectedClaim,
			code: "IDPRejectedClaim", msg: MsgIDPRejectedClaim, status: 403},
		{name: "injected region disabled", role: roleARN, token: token(t, key, "k1", issuer, sa, aud, valid), inject: &FaultRegionDisabled,
			code: "RegionDisabledException", msg: MsgRegionDisabled, status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := world()
			if tt.change != nil {
				tt.change(&st)
			}
			f := New(t, st)
			if tt.inject != nil {
				f.Inject(*tt.inject)
			}
			in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(tt.role), RoleSessionName: aws.String("irsa-doctor-probe"), WebIdentityToken: aws.String(tt.token)}
			if tt.duration != 0 {
				in.DurationSeconds = aws.Int32(tt.duration)
			}
			// The SDK retries InvalidIdentityToken for the credential
			// provider only; a plain client call is answered once.
			out, err := sts.NewFromConfig(f.Config()).AssumeRoleWithWebIdentity(context.Background(), in)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				if diff := cmp.Diff([]string{"arn:aws:sts::111122223333:assumed-role/payments-s3-reader/irsa-doctor-probe", sa, "sts.amazonaws.com", issuer},
					[]string{aws.ToString(out.AssumedRoleUser.Arn), aws.ToString(out.SubjectFromWebIdentityToken), aws.ToString(out.Audience), aws.ToString(out.Provider)}); diff != "" {
					t.Errorf("answer (-want +got):\n%s", diff)
				}
				if out.Credentials == nil || aws.ToString(out.Credentials.AccessKeyId) == "" || !out.Credentials.Expiration.Equal(now.Add(time.Hour)) {
					t.Errorf("credentials: %+v", out.Credentials)
				}
				return
			}
			code, msg, status := apiErr(t, err)
			if diff := cmp.Diff([]any{tt.code, tt.msg, tt.status}, []any{code, msg, status}); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVerification: with Verify set, the token is checked against the
// issuer's keys fetched over HTTPS, and the thumbprint against the chain.
func TestVerification(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sa := "system:serviceaccount:payments:s3-reader"
	same := func(u string) string { return u }
	tests := []struct {
		name       string
		discovered func(string) string
		signer     *rsa.PrivateKey
		kid        string
		thumbprint string // "" for the chain's real one
		check      bool
		code, msg  string
	}{
		{name: "signature verifies", discovered: same, signer: key, kid: "k1"},
		{name: "thumbprint matches", discovered: same, signer: key, kid: "k1", check: true},
		{name: "thumbprint does not match", discovered: same, signer: key, kid: "k1", check: true, thumbprint: strings.Repeat("0", 40),
			code: "InvalidIdentityToken", msg: MsgThumbprint},
		{name: "a thumbprint that no longer matters", discovered: same, signer: key, kid: "k1", thumbprint: strings.Repeat("0", 40)},
		{name: "unknown kid", discovered: same, signer: key, kid: "k2", code: "InvalidIdentityToken", msg: MsgVerificationKey},
		{name: "signed by another key", discovered: same, signer: other, kid: "k1", code: "InvalidIdentityToken", msg: MsgVerificationKey},
		{name: "discovery names another issuer", discovered: func(u string) string { return u + "/" }, signer: key, kid: "k1",
			code: "InvalidIdentityToken", msg: "Your request has a problem. Please see the following details. Please check .well-known/openid-configuration of provider: ISSUER is valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := issuerServer(t, key, "k1", tt.discovered)
			iss := srv.URL + "/id/X"
			host := strings.TrimPrefix(iss, "https://")
			chain := srv.Certificate()
			sum := sha1.Sum(chain.Raw)
			thumb := hex.EncodeToString(sum[:])
			if tt.thumbprint != "" {
				thumb = tt.thumbprint
			}
			// IAM provider URLs carry no port; the test issuer has one, which
			// the fake compares as text like any other URL.
			pARN := "arn:aws:iam::111122223333:oidc-provider/" + host
			st := world()
			st.Providers = []OIDCProvider{{ARN: pARN, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{strings.ToUpper(thumb)}}}
			st.Roles = []Role{{ARN: roleARN, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + pARN + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`}}
			st.Verify = &Verification{Client: srv.Client(), CheckThumbprint: tt.check}
			f := New(t, st)
			tok := token(t, tt.signer, tt.kid, iss, sa, []string{"sts.amazonaws.com"}, now.Add(time.Hour))
			_, err := sts.NewFromConfig(f.Config()).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String(roleARN), RoleSessionName: aws.String("probe"), WebIdentityToken: aws.String(tok)})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			code, msg, _ := apiErr(t, err)
			want := strings.ReplaceAll(tt.msg, "ISSUER", iss)
			if code != tt.code || msg != want {
				t.Errorf("error %s %q, want %s %q", code, msg, tt.code, want)
			}
		})
	}
}

func TestDelays(t *testing.T) {
	st := world()
	st.Delays = map[string]time.Duration{"iam:GetRole": time.Second}
	f := New(t, st)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := iam.NewFromConfig(f.Config()).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("payments-s3-reader")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(f.Log()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if diff := cmp.Diff([]Call{{Action: "iam:GetRole", Resource: "payments-s3-reader", Account: "111122223333", Status: StatusClientGone, Attempt: 1,
		Form: url.Values{"Action": {"GetRole"}, "RoleName": {"payments-s3-reader"}, "Version": {"2010-05-08"}}}}, f.Log()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}
