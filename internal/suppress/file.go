package suppress

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// fileFields are the keys of an ignore file entry.
var fileFields = []string{"check", "object", "reason", "expires"}

// ParseFile reads an ignore file:
//
//	ignore:
//	  - check: IRSA207                          # ID or slug
//	    object: ServiceAccount/payments/s3-reader # optional; absent = everywhere
//	    reason: accepted risk, see TICKET-12    # required
//	    expires: 2027-01-31                     # optional, YYYY-MM-DD
//
// name is how errors and sources call the file. Each error is one line,
// "NAME:LINE: what is wrong; what to write instead". An expired entry is
// returned like the others (Rule.Expired): the caller reports it.
func ParseFile(name string, data []byte) ([]Rule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // an empty file suppresses nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with the key 'ignore' holding a list of entries", name, root.Line)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "ignore" {
			return nil, fmt.Errorf("%s:%d: unknown key %q (the file holds only 'ignore:' and its list)", name, k.Line, k.Value)
		}
		if list != nil {
			return nil, fmt.Errorf("%s:%d: 'ignore' given twice; keep one list", name, k.Line)
		}
		list = v
	}
	if list == nil {
		return nil, nil
	}
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: 'ignore' must be a list of entries (- check: ID, reason: WHY)", name, list.Line)
	}
	var rules []Rule
	for _, item := range list.Content {
		r, err := parseEntry(name, item)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseEntry(name string, item *yaml.Node) (Rule, error) {
	at := func(n *yaml.Node) string { return fmt.Sprintf("%s:%d", name, n.Line) }
	if item.Kind != yaml.MappingNode {
		return Rule{}, fmt.Errorf("%s: an entry must be a mapping with check and reason (and optionally object, expires)", at(item))
	}
	values := map[string]*yaml.Node{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		known := false
		for _, f := range fileFields {
			known = known || k.Value == f
		}
		if !known {
			return Rule{}, fmt.Errorf("%s: unknown field %q (want %s)", at(k), k.Value, strings.Join(fileFields, ", "))
		}
		if values[k.Value] != nil {
			return Rule{}, fmt.Errorf("%s: field %q given twice in one entry", at(k), k.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return Rule{}, fmt.Errorf("%s: %s must be a single value, not a list or mapping", at(v), k.Value)
		}
		values[k.Value] = v
	}
	r := Rule{Source: at(item)}
	c := values["check"]
	if c == nil || strings.TrimSpace(c.Value) == "" {
		return Rule{}, fmt.Errorf("%s: entry without a check; add check: ID (e.g. IRSA207)", at(item))
	}
	id, err := resolveCheck(c.Value)
	if err != nil {
		return Rule{}, fmt.Errorf("%s: %w", at(c), err)
	}
	r.Check = id
	reason := values["reason"]
	if reason == nil || strings.TrimSpace(reason.Value) == "" {
		return Rule{}, fmt.Errorf("%s: entry for %s without a reason; add reason: WHY (a suppression must say why)", at(item), id)
	}
	r.Reason = oneLine(reason.Value)
	if o := values["object"]; o != nil && o.Value != "" {
		obj, err := ParseObject(o.Value)
		if err != nil {
			return Rule{}, fmt.Errorf("%s: %w", at(o), err)
		}
		r.Object = &obj
	}
	if e := values["expires"]; e != nil {
		d, err := time.Parse(dateLayout, e.Value)
		if err != nil {
			return Rule{}, fmt.Errorf("%s: expires %q is not a date; want YYYY-MM-DD (e.g. 2027-01-31)", at(e), e.Value)
		}
		r.Expires = d.Format(dateLayout)
	}
	return r, nil
}

// oneLine folds a multi-line reason (a YAML block scalar) into one line:
// it ends up in one-line warnings and text reports.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError names the file and line of a YAML syntax error, on one line.
func yamlError(name string, err error) error {
	msg := oneLine(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: not valid YAML: %s", name, m[1], msg[len(m[0]):])
	}
	return fmt.Errorf("%s: not valid YAML: %s", name, strings.TrimPrefix(msg, "yaml: "))
}
