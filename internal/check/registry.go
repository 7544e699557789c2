package check

import checkdocs "github.com/irsa-doctor/irsa-doctor/docs/checks"

// All is the registry: every check, sorted by ID. No init() registration:
// this slice is the one place a check is listed. Each check's Doc and Fix
// come from its page, docs/checks/IRSAnnn.md, embedded in the binary.
var All = withDocs([]*Check{
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
	irsa501,
	irsa601,
	irsa602,
	irsa603,
	irsa604,
	irsa605,
})

// withDocs fills each check's Doc and Fix from its page. A missing or
// malformed page is a build defect that TestEveryCheckHasDocs reports; the
// binary panics at start rather than print a check without documentation.
func withDocs(cs []*Check) []*Check {
	for _, c := range cs {
		why, fix, err := checkdocs.Doc(c.ID)
		if err != nil {
			panic(err)
		}
		c.Doc, c.Fix = why, fix
	}
	return cs
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
