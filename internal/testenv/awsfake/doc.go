// Package awsfake is an in-process AWS for tests: one httptest server that
// answers IAM and STS in the AWS query protocol (form POST
// Action=...&Version=..., XML answers and XML errors), EC2 in its own
// flavour of it (ec2.go), EKS in REST-JSON
// (epoch-number timestamps, errors named in the x-amzn-ErrorType header),
// and CloudTrail's LookupEvents in AWS JSON 1.1 (cloudtrail.go),
// and IAM's SimulatePrincipalPolicy from a table the test writes, never
// from internal/policy (simulate.go),
// as the real services do, so that tests drive the real aws-sdk-go-v2:
// it serialises, signs, retries and parses exactly as it does against AWS
// (STYLE.md "Testing": fakes at the transport level).
//
// Requests are routed by the service that the SigV4 Authorization header's
// credential scope names (iam, sts, eks, ec2, cloudtrail; its region is
// the region a CloudTrail lookup reads); the unsigned
// sts:AssumeRoleWithWebIdentity (the SDK sends it without credentials) is
// routed by its Action. The access key of the signature picks the
// Principal, and with it the account: every read sees that account only,
// as IAM does (GetRole takes a name and reads the caller's own account).
//
// State is a plain struct the test fills; Inject adds per-action errors
// (AccessDenied for one role, Throttling for the first N calls, the STS
// errors of docs/reference/sts-errors.md); every request is recorded as
// "service:Action" with counts, so tests can assert call counts and that
// the set of actions called equals deploy/iam-policy.json.
//
// It is test support, but a normal package so that every package's tests
// can import it. It imports internal/arn and internal/policy (to judge a
// web-identity request as STS does); never check, report or cli.
package awsfake
