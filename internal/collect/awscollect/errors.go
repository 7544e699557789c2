package awscollect

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// failed records a call that did not answer. A missing object is a fact:
// it is captured as the AWS CLI's error text (base+".txt"), which the
// bundle reader turns into proof of absence (docs/contract.md "Absence needs
// proof"). Any other failure leaves the fact unknown: a gap saying what
// was refused and what to do (STYLE.md principle 3). A call cut short by
// the end of ctx (Ctrl-C, --timeout) records nothing: Collect returns
// what was read before, with ctx.Err().
func (c *collector) failed(ctx context.Context, err error, operation, base, src string, g snapshot.Gap, grant, cmd string) {
	if ctx.Err() != nil {
		return
	}
	var ae smithy.APIError
	var te *timeoutError
	switch {
	case errors.As(err, &ae):
		code, msg := ae.ErrorCode(), ae.ErrorMessage()
		if base != "" && (code == "NoSuchEntity" || code == "ResourceNotFoundException") {
			c.capture(base+".txt", cliErrorText(code, operation, msg), src)
			return
		}
		g.Reason = fmt.Sprintf("%s: %s (%s)", code, msg, hint(err, code, grant, cmd))
	case errors.As(err, &te):
		g.Reason = fmt.Sprintf("timed out after %s (run again, or capture it with `%s`)", te.after, cmd)
	default:
		g.Reason = fmt.Sprintf("request failed: %v (capture it with `%s`)", err, cmd)
	}
	c.gap(g)
}

// deniedCodes are the error codes of a refused call across IAM, STS and
// EKS.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"UnauthorizedException": true, "AuthorizationError": true,
}

// hint says what to do about an API error.
func hint(err error, code, grant, cmd string) string {
	if deniedCodes[code] {
		return grant
	}
	if isThrottle(code) {
		var me *retry.MaxAttemptsError
		if errors.As(err, &me) {
			return fmt.Sprintf("still throttled after %d attempts; run again later", me.Attempt)
		}
		return "throttled; run again later"
	}
	return "capture it with `" + cmd + "`"
}

func isThrottle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

// isNotFound reports an API error saying the object does not exist.
func isNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchEntity" || ae.ErrorCode() == "ResourceNotFoundException")
}
