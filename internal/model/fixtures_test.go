package model

import "time"

// Fixtures of the model's IAM-side tests: cluster prod in us-west-2,
// account 111122223333, ServiceAccount payments/s3-reader (the same values
// as the check tests' iam fixtures).
const (
	iamIssuer   = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	iamHP       = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	iamProvider = "arn:aws:iam::111122223333:oidc-provider/" + iamHP
	iamSub      = "system:serviceaccount:payments:s3-reader"
)

var iamNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
