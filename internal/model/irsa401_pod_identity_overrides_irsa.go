package model

import (
	"strings"
)

// sameRole compares two role ARNs as IAM does: the role name is
// case-insensitive, the path is not part of the identity.
func SameRole(a, b string) bool {
	return strings.EqualFold(roleKey(a), roleKey(b))
}

func roleKey(s string) string {
	f := strings.SplitN(strings.TrimSpace(s), ":", 6)
	if len(f) != 6 {
		return s
	}
	name := f[5][strings.LastIndexByte(f[5], '/')+1:]
	return f[1] + ":" + f[4] + ":" + name
}
