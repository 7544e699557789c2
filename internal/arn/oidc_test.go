package arn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const eksIssuer = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

func TestIssuerHostPath(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "eks", in: eksIssuer, want: "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},
		{name: "china", in: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC", want: "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"},
		{name: "already host and path", in: "oidc.eks.us-west-2.amazonaws.com/id/ABC", want: "oidc.eks.us-west-2.amazonaws.com/id/ABC"},
		{name: "trailing slash kept", in: "https://issuer.example.com/", want: "issuer.example.com/"},
		{name: "host only", in: "https://issuer.example.com", want: "issuer.example.com"},
		{name: "http", in: "http://issuer.example.com", err: `issuer URL "http://issuer.example.com" uses http; IAM OIDC providers need an https URL`},
		{name: "port", in: "https://issuer.example.com:8443/x", err: `issuer URL "https://issuer.example.com:8443/x" has a port, which IAM OIDC provider URLs cannot`},
		{name: "query", in: "https://issuer.example.com/?a=b", err: `issuer URL "https://issuer.example.com/?a=b" has a query or fragment, which an OIDC issuer cannot`},
		{name: "fragment", in: "https://issuer.example.com/#x", err: `issuer URL "https://issuer.example.com/#x" has a query or fragment, which an OIDC issuer cannot`},
		{name: "no host", in: "https:///id/x", err: `issuer URL "https:///id/x" has no host`},
		{name: "user info", in: "https://u@issuer.example.com", err: `issuer URL "https://u@issuer.example.com" holds user information, which an OIDC issuer cannot`},
		{name: "space", in: "https://issuer.example.com/a b", err: `issuer URL "https://issuer.example.com/a b": it contains a space after "https://issuer.example.com/a"; URLs hold only printable ASCII without spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IssuerHostPath(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("IssuerHostPath(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("IssuerHostPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestOIDCProviderARN(t *testing.T) {
	tests := []struct {
		name, partition, account, issuer, want, err string
	}{
		{name: "eks", partition: "aws", account: acct, issuer: eksIssuer,
			want: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},
		{name: "china", partition: PartitionForRegion("cn-north-1"), account: acct, issuer: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
			want: "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"},
		{name: "bad account", partition: "aws", account: "123", issuer: eksIssuer,
			err: `oidc provider arn: the account ID "123" has 3 digits; an AWS account ID has exactly 12`},
		{name: "bad partition", partition: "aws-gov", account: acct, issuer: eksIssuer,
			err: `oidc provider arn: the partition "aws-gov" is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)`},
		{name: "bad issuer", partition: "aws", account: acct, issuer: "http://x",
			err: `oidc provider arn: issuer URL "http://x" uses http; IAM OIDC providers need an https URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OIDCProviderARN(tt.partition, tt.account, tt.issuer)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got %q, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			p, err := ParseOIDCProvider(got)
			if err != nil {
				t.Fatalf("ParseOIDCProvider(%q): %v", got, err)
			}
			if want := (OIDCProvider{ARN: got, Partition: tt.partition, Account: tt.account, URL: mustHostPath(t, tt.issuer)}); p != want {
				t.Errorf("ParseOIDCProvider = %+v, want %+v", p, want)
			}
		})
	}
}

func mustHostPath(t *testing.T, issuer string) string {
	t.Helper()
	hp, err := IssuerHostPath(issuer)
	if err != nil {
		t.Fatal(err)
	}
	return hp
}

func TestParseOIDCProvider(t *testing.T) {
	tests := []struct {
		name, in, reason string
		want             OIDCProvider
	}{
		{name: "valid", in: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC",
			want: OIDCProvider{ARN: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC", Partition: "aws", Account: acct, URL: "oidc.eks.us-west-2.amazonaws.com/id/ABC"}},
		{name: "with scheme", in: "arn:aws:iam::111122223333:oidc-provider/https://oidc.eks.us-west-2.amazonaws.com/id/ABC",
			reason: `the provider "https://oidc.eks.us-west-2.amazonaws.com/id/ABC" keeps the issuer's scheme; IAM names providers by host and path only`},
		{name: "role", in: "arn:aws:iam::111122223333:role/api",
			reason: `the resource type is "role"; an OIDC provider ARN's resource is oidc-provider/HOST/PATH`},
		{name: "sts", in: "arn:aws:sts::111122223333:oidc-provider/x",
			reason: `the service is "sts"; an OIDC provider ARN's service is "iam"`},
		{name: "region", in: "arn:aws:iam:us-west-2:111122223333:oidc-provider/x",
			reason: `it has the region "us-west-2", but IAM is global: the region field of an IAM ARN is empty`},
		{name: "no account", in: "arn:aws:iam:::oidc-provider/x",
			reason: "the account field is not a 12-digit account ID"},
		{name: "port", in: "arn:aws:iam::111122223333:oidc-provider/x.example.com:443/id",
			reason: `the provider "x.example.com:443/id" is not a host and path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOIDCProvider(tt.in)
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Reason != tt.reason {
				t.Fatalf("ParseOIDCProvider(%q) = %+v, %v; want reason %q", tt.in, got, err, tt.reason)
			}
		})
	}
}
