package model

import (
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func Denied(d policy.Decision) bool { return d == policy.ImplicitDeny || d == policy.ExplicitDeny }
