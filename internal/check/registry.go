package check

// All is the registry: every check, sorted by ID. No init() registration:
// this slice is the one place a check is listed.
var All = []*Check{
	// IRSA101
	// IRSA102
	// IRSA103
	// IRSA104
	// IRSA105
	// IRSA106
	// IRSA107
	// IRSA108
	// IRSA109
	// IRSA110
	// IRSA111
	// IRSA112
}

// ByIDOrSlug returns the check with that ID (case-insensitive) or slug.
func ByIDOrSlug(s string) *Check {
	for _, c := range All {
		if equalFold(c.ID, s) || c.Slug == s {
			return c
		}
	}
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
