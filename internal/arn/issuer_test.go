package arn

import "testing"

const (
	eksHP       = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	eksProvider = "arn:aws:iam::111122223333:oidc-provider/" + eksHP
)

func TestNormalizeIssuer(t *testing.T) {
	tests := []struct{ in, want string }{
		{eksIssuer, "oidc.eks.us-west-2.amazonaws.com/id/exampled539d4633e53de1b71example"},
		{eksHP, "oidc.eks.us-west-2.amazonaws.com/id/exampled539d4633e53de1b71example"},
		{eksProvider, "oidc.eks.us-west-2.amazonaws.com/id/exampled539d4633e53de1b71example"},
		{"arn:aws-cn:iam::111122223333:oidc-provider/https://issuer.example.com/", "issuer.example.com"},
		{"  HTTP://Issuer.Example.com/a//  ", "issuer.example.com/a"},
		{"https://issuer.example.com", "issuer.example.com"},
		{"https://https://issuer.example.com", "https://issuer.example.com"},         // one scheme only
		{"x:oidc-provider/issuer.example.com", "x:oidc-provider/issuer.example.com"}, // not an ARN
		{"issuer.example.com:sub", "issuer.example.com:sub"},
		{"", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeIssuer(tt.in); got != tt.want {
				t.Errorf("NormalizeIssuer(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIssuerClusterID(t *testing.T) {
	tests := []struct{ in, want string }{
		{eksIssuer, "exampled539d4633e53de1b71example"},
		{eksProvider, "exampled539d4633e53de1b71example"},
		{"https://oidc.eks.us-west-2.amazonaws.com/id/ABC/", "abc"},
		{"issuer.example.com/id/a/id/b", "b"},
		{"https://issuer.example.com", ""},
		{"https://issuer.example.com/idx/ABC", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IssuerClusterID(tt.in); got != tt.want {
				t.Errorf("IssuerClusterID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSameClusterIssuer(t *testing.T) {
	tests := []struct {
		name      string
		got, want string
		same      bool
	}{
		{"exact", eksProvider, eksProvider, true},
		{"ARN and URL", eksProvider, eksIssuer, true},
		{"scheme in the ARN", "arn:aws:iam::111122223333:oidc-provider/https://" + eksHP, eksProvider, true},
		{"trailing slash", eksProvider + "/", eksProvider, true},
		{"letter case", "arn:aws:iam::111122223333:oidc-provider/OIDC.EKS.us-west-2.amazonaws.com/id/exampled539d4633e53de1b71example", eksProvider, true},
		{"another account", "arn:aws:iam::444455556666:oidc-provider/" + eksHP, eksProvider, true},
		{"another region, same cluster ID", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", eksProvider, true},
		{"condition key prefix", "https://" + eksHP, eksHP, true},
		{"another cluster", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9", eksProvider, false},
		{"no cluster ID on either", "https://issuer.example.com/a", "https://issuer.example.com/b", false},
		{"no cluster ID wanted", eksProvider, "https://issuer.example.com", false},
		{"empty", "", eksProvider, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameClusterIssuer(tt.got, tt.want); got != tt.same {
				t.Errorf("SameClusterIssuer(%q, %q) = %v, want %v", tt.got, tt.want, got, tt.same)
			}
		})
	}
}

func TestSameProviderHostPath(t *testing.T) {
	tests := []struct {
		name                  string
		providerURL, hostPath string
		same                  bool
	}{
		{"exact", eksHP, eksHP, true},
		{"letter case", "OIDC.EKS.US-WEST-2.AMAZONAWS.COM/id/exampled539d4633e53de1b71example", eksHP, true},
		{"trailing slash on the provider", eksHP + "/", eksHP, true},
		{"trailing slash on the issuer", eksHP, eksHP + "/", true},
		{"two trailing slashes", eksHP + "//", eksHP, false},
		{"scheme", "https://" + eksHP, eksHP, false},
		{"provider ARN", eksProvider, eksHP, false},
		{"same cluster ID, another region", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", eksHP, false},
		{"surrounding space", " " + eksHP, eksHP, false},
		{"another cluster", "oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9", eksHP, false},
		{"test issuer with a port", "127.0.0.1:8443/id/abc", "127.0.0.1:8443/id/ABC", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameProviderHostPath(tt.providerURL, tt.hostPath); got != tt.same {
				t.Errorf("SameProviderHostPath(%q, %q) = %v, want %v", tt.providerURL, tt.hostPath, got, tt.same)
			}
		})
	}
}
