package cli

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestSimulateConfig: IAM simulates the caller's own account, so a role of
// another account is simulated with that account's --role-profile, and
// without one it is a gap saying which flag to pass.
func TestSimulateConfig(t *testing.T) {
	live := &liveResult{awsOK: true, account: "111122223333", awsCfg: aws.Config{Region: "caller"},
		roleCfgs: map[string]aws.Config{"444455556666": {Region: "profile"}}}
	for _, tc := range []struct{ role, region, why string }{
		{"arn:aws:iam::111122223333:role/a", "caller", ""},
		{"arn:aws:iam::444455556666:role/b", "profile", ""},
		{"arn:aws:iam::777788889999:role/c", "", "not simulated: the role is in account 777788889999 and the AWS credentials are in account 111122223333; " +
			"iam:SimulatePrincipalPolicy simulates the caller's own account (pass --role-profile 777788889999=PROFILE with a profile of that account allowed iam:SimulatePrincipalPolicy)"},
	} {
		cfg, why := simulateConfig(live, tc.role)
		if cfg.Region != tc.region || why != tc.why {
			t.Errorf("%s: config %q, %q; want %q, %q", tc.role, cfg.Region, why, tc.region, tc.why)
		}
	}
	if _, why := simulateConfig(&liveResult{}, "arn:aws:iam::111122223333:role/a"); why != "not simulated: no AWS fact could be read (sts:GetCallerIdentity failed)" {
		t.Errorf("without AWS: %q", why)
	}
}
