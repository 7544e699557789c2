package policy

import (
	"fmt"
	"strings"
)

// evaluateCondition decides one (operator, key) pair. actual is nil when the
// request lacks the key. The semantics, from the IAM User Guide pages
// "Condition operators" (CO) and "Single-valued vs. multivalued context keys"
// / "Multivalued context keys examples" (MV):
//
//   - Values of one key are OR-ed; for a negated operator (StringNotEquals,
//     ...) they are NOR-ed: true when the key matches none of them
//     ("Conditions with multiple context keys or values").
//   - Absent key: false, except negated operators ("the condition is true",
//     CO), ...IfExists ("If the key is not present, evaluate the condition
//     element as true", CO), and ForAllValues ("also returns true if there are
//     no context keys in the request", MV). ForAnyValue is false (it needs
//     one value that matches).
//   - Null "true" holds when the key is absent, "false" when present (CO).
//   - ForAnyValue: some request value satisfies the operator; ForAllValues:
//     every request value does (MV).
func evaluateCondition(c Condition, actual []string, variables bool, noun string) (Outcome, string) {
	if len(c.Values) == 0 {
		return Uncertain, fmt.Sprintf("gives %s no values under %s", c.Key, c.Operator)
	}
	present := actual != nil
	fail := func() (Outcome, string) { return NoMatch, failure(c, actual, noun) }

	if c.Base == "Null" {
		if c.Set != "" {
			return Uncertain, fmt.Sprintf("uses %s on %s; IAM does not document a set operator on Null", c.Operator, c.Key)
		}
		want := "false"
		if !present {
			want = "true"
		}
		out, why := NoMatch, ""
		for _, v := range c.Values {
			switch lv := strings.ToLower(v); {
			case lv == want:
				out = Match
			case lv != "true" && lv != "false":
				out = or(out, Uncertain)
				if why == "" {
					why = fmt.Sprintf(`gives %s the value %s under Null; IAM documents only "true" and "false"`, c.Key, quote(v))
				}
			}
		}
		switch out {
		case Match:
			return Match, ""
		case Uncertain:
			return Uncertain, why
		}
		return fail()
	}

	neg := negated[c.Base]
	if !present {
		switch {
		case c.Set == ForAllValues:
			return Match, ""
		case c.Set == ForAnyValue && c.IfExists:
			// CO says IfExists makes an absent key true; the behaviour
			// observed by the iam-simulate authors is that ForAnyValue
			// ignores IfExists (iam.cloudcopilot.io, "ForAnyValue:
			// StringNotLikeIfExists"). Not guessed.
			return Uncertain, fmt.Sprintf("uses %s on %s, which %s lacks; AWS's documentation and observed behaviour disagree on IfExists under ForAnyValue", c.Operator, c.Key, noun)
		case c.Set == ForAnyValue:
			return fail()
		case c.IfExists || neg:
			return Match, ""
		}
		return fail()
	}

	if !conditionOperators[c.Base] {
		return Uncertain, fmt.Sprintf("uses %s on %s, which this evaluator does not evaluate", c.Operator, c.Key)
	}

	var out Outcome
	var why string
	switch c.Set {
	case "":
		if len(actual) > 1 {
			return Uncertain, fmt.Sprintf("applies %s to %s, which has several values in %s (%s); IAM requires ForAnyValue or ForAllValues for a multivalued key", c.Operator, c.Key, noun, quoteList(actual, ", "))
		}
		out, why = matchValue(c, actual[0], variables)
	case ForAnyValue:
		out = NoMatch
		for _, a := range actual {
			o, w := matchValue(c, a, variables)
			if o == Uncertain && why == "" {
				why = w
			}
			out = or(out, o)
		}
	case ForAllValues:
		out = Match
		for _, a := range actual {
			o, w := matchValue(c, a, variables)
			if o == Uncertain && why == "" {
				why = w
			}
			out = and(out, o)
		}
	}
	switch out {
	case Match:
		return Match, ""
	case Uncertain:
		return Uncertain, why
	}
	return fail()
}

// positive maps a negated string operator to the operator it negates.
var positive = map[string]string{
	"StringNotEquals":           "StringEquals",
	"StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
	"StringNotLike":             "StringLike",
}

// matchValue applies the condition's base operator to one request value:
// OR over the policy values, negated for the negated operators.
func matchValue(c Condition, actual string, variables bool) (Outcome, string) {
	base, neg := c.Base, false
	if p, ok := positive[base]; ok {
		base, neg = p, true
	}
	out, why := NoMatch, ""
	for _, v := range c.Values {
		o, w := matchOne(c, base, v, actual, variables)
		if o == Uncertain && why == "" {
			why = w
		}
		out = or(out, o)
	}
	if neg {
		out = not(out)
	}
	return out, why
}

// matchOne compares one policy value with one request value under base, a
// positive operator.
func matchOne(c Condition, base, value, actual string, variables bool) (Outcome, string) {
	if plain(value, base == "StringLike", variables) {
		// Most values are plain text (a subject, an audience): compared as
		// they are, without compiling them (a role may trust hundreds).
		switch base {
		case "StringEquals", "StringLike":
			return outcome(value == actual), ""
		case "StringEqualsIgnoreCase":
			return outcome(strings.EqualFold(value, actual)), ""
		}
	}
	pieces, variable := compile(value, base == "StringLike", variables)
	if variable != "" {
		return Uncertain, fmt.Sprintf("compares %s under %s with %s, whose policy variable %s this evaluator does not resolve", c.Key, c.Operator, quote(value), quote(variable))
	}
	switch base {
	case "StringEquals":
		return outcome(literal(pieces) == actual), ""
	case "StringEqualsIgnoreCase":
		return outcome(strings.EqualFold(literal(pieces), actual)), ""
	case "StringLike":
		return outcome(globMatch(pieces, actual, false)), ""
	case "Bool":
		lit := literal(pieces)
		if lv := strings.ToLower(lit); lv != "true" && lv != "false" {
			return Uncertain, fmt.Sprintf(`gives %s the value %s under %s; IAM documents only "true" and "false"`, c.Key, quote(lit), c.Operator)
		}
		return outcome(strings.EqualFold(lit, actual)), ""
	}
	return Uncertain, fmt.Sprintf("uses %s on %s, which this evaluator does not evaluate", c.Operator, c.Key)
}

func outcome(b bool) Outcome {
	if b {
		return Match
	}
	return NoMatch
}

// failure is the clause for a condition that does not hold:
// `requires KEY OPERATOR "v1" or "v2"; the token has "x"`.
func failure(c Condition, actual []string, noun string) string {
	sep := " or "
	if negated[c.Base] {
		// NOR: the key must differ from every value.
		sep = " and "
	}
	has := noun + " has no " + c.Key
	if actual != nil {
		has = noun + " has " + quoteList(actual, " and ")
	}
	return "requires " + c.Key + " " + c.Operator + " " + quoteList(c.Values, sep) + "; " + has
}
