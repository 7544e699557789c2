package model

// trustBreadth returns why the policy is too broad (one clause per
// statement), why that is not known, the :sub values that pin the
// statements that are not, and how many statements it considered (Allow
// statements that allow the web identity action from an OIDC provider).
// breadth is trustBreadth's result.
type Breadth struct {
	Broad      []string
	Unsure     string
	Pins       []string
	Considered int
}
