package serve

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		n        int
		limit    time.Duration
		min, max time.Duration
	}{
		{1, time.Hour, 2500 * time.Millisecond, 5 * time.Second},
		{2, time.Hour, 5 * time.Second, 10 * time.Second},
		{4, time.Hour, 20 * time.Second, 40 * time.Second},
		{20, time.Minute, 30 * time.Second, time.Minute},
		{3, 2 * time.Second, time.Second, 2 * time.Second},
	} {
		for range 50 {
			if d := backoff(tc.n, tc.limit); d < tc.min || d > tc.max {
				t.Fatalf("backoff(%d, %s) = %s, want within [%s, %s]", tc.n, tc.limit, d, tc.min, tc.max)
			}
		}
	}
}

func TestCallOutcome(t *testing.T) {
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "success"},
		{api("NoSuchEntity"), "not_found"},
		{api("ResourceNotFoundException"), "not_found"},
		{api("Throttling"), "throttled"},
		{api("ThrottlingException"), "throttled"},
		{fmt.Errorf("get role: %w", api("RequestLimitExceeded")), "throttled"},
		{api("AccessDenied"), "denied"},
		{api("AccessDeniedException"), "denied"},
		{api("UnauthorizedOperation"), "denied"},
		{api("InvalidInput"), "error"},
		{context.Canceled, "canceled"},
		{errors.New("dial tcp: connection refused"), "error"},
	} {
		if got := callOutcome(tc.err); got != tc.want {
			t.Errorf("callOutcome(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if !throttleErr(fmt.Errorf("x: %w", api("Throttling"))) || throttleErr(api("AccessDenied")) {
		t.Error("throttleErr does not tell throttling from a denial")
	}
}
