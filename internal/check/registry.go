package check

// All is the registry: every check, sorted by ID. No init() registration:
// this slice is the one place a check is listed.
var All = []*Check{
	irsa101,
	irsa102,
	irsa103,
	irsa104,
	irsa105,
	irsa106,
	irsa107,
	irsa108,
	irsa109,
	irsa110,
	irsa111,
	irsa112,
	irsa201,
	irsa202,
	irsa203,
	irsa204,
	irsa205,
	irsa206,
	irsa207,
	irsa208,
	irsa209,
	irsa210,
	irsa301,
	irsa302,
	irsa303,
	irsa304,
	irsa305,
	irsa306,
	irsa311,
	irsa312,
	irsa313,
	irsa401,
	irsa402,
	irsa403,
	irsa404,
	irsa405,
	irsa406,
	irsa407,
	irsa408,
	irsa409,
	irsa410,
	irsa411,
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
