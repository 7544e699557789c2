package bundle

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// A dump is shared with support, so it keeps only what the checks read
// (STYLE.md: never read Secrets; docs/contract.md#bundles). A pod spec can
// still carry a credential in plain text: an env var's literal value
// (AWS_SECRET_ACCESS_KEY, DB_PASSWORD, ...), a --password argument, an
// Authorization header of an HTTP probe, and the whole previous object
// that `kubectl apply` keeps in the last-applied-configuration annotation.
// Redact takes those out of every Kubernetes object the live collectors
// capture, before anything reads the captures, so `scan` judges exactly
// what `dump` writes; WriteDump applies it again to whatever it writes.

// RedactedValue replaces every redacted value.
const RedactedValue = "<redacted by irsa-doctor>"

// AnnotationLastApplied holds the object as last applied by kubectl: its
// env values and arguments included. Removed from every object.
const AnnotationLastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// KeptEnv are the variables whose literal values are kept: the AWS SDK
// settings the checks read (the credential chain, the region and STS
// endpoint, the profile files; internal/check credentials.go, irsa409,
// webhook/mutate.go). None is a secret: AWS_CONTAINER_AUTHORIZATION_TOKEN
// (the token itself, not its file) is not kept. Every other variable
// keeps its name and whether it is a literal (then redacted) or valueFrom
// (a reference, kept: it names a Secret or ConfigMap, never holds one), so
// that static keys stay detectable by name (IRSA110) and an empty literal
// stays empty (unset to every SDK).
var KeptEnv = []string{
	"AWS_CONFIG_FILE",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_DEFAULT_REGION",
	"AWS_EC2_METADATA_DISABLED",
	"AWS_PROFILE",
	"AWS_REGION",
	"AWS_ROLE_ARN",
	"AWS_SHARED_CREDENTIALS_FILE",
	"AWS_STS_REGIONAL_ENDPOINTS",
	"AWS_WEB_IDENTITY_TOKEN_FILE",
}

// KeptFlags are the command-line flags whose values Redact keeps in args
// and command: documented flags that name a role the program assumes with
// the container's credentials (IRSA604, model.chainFlags), whose value is
// a role ARN, not a secret. Both "--flag=VALUE" and "--flag VALUE" are
// kept; every other argument is redacted.
var KeptFlags = []string{"--aws-assume-role"}

// Redactions say what Redact takes out, as the dump manifest's "redacted"
// lists it.
var Redactions = []string{
	"env values: every literal value but those of " + strings.Join(KeptEnv, ", ") +
		" (the AWS SDK settings the checks read) is replaced by " + RedactedValue + "; names, empty values and valueFrom references are kept",
	"command arguments: a container's args, and its command and its probes' and lifecycle hooks' exec commands but the program (the first word) and the values of " + strings.Join(KeptFlags, ", ") + " (a role ARN the program assumes)",
	"HTTP header values of probes and lifecycle hooks",
	"the annotation " + AnnotationLastApplied + ", on every object",
	"container logs (--logs): only the entries the symptom catalogue matches and 2 lines around them (FilterLog), with JWTs, access key IDs and 40-character secret keys redacted",
}

// Redact removes, in place, what could carry a credential from a decoded
// Kubernetes object or List (maps and slices as encoding/json or
// runtime.DefaultUnstructuredConverter make them): see Redactions. It
// reports whether it changed anything. What it looks for is the shape of
// the Kubernetes API (an "env" list of {name, value}, an "annotations"
// map, "args" and "command" lists of strings, "httpHeaders"), wherever it
// is, so pods, every workload's template (a CronJob's too), a dry-run pod
// and any object added later are covered alike.
func Redact(obj any) bool {
	changed := false
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				switch k {
				case "env":
					changed = redactNamedValues(child, func(name string) bool { return !slices.Contains(KeptEnv, name) }) || changed
				case "httpHeaders":
					changed = redactNamedValues(child, func(string) bool { return true }) || changed
				case "args":
					changed = redactStrings(child, 0) || changed
				case "command":
					changed = redactStrings(child, 1) || changed
				case "annotations":
					if m, ok := child.(map[string]any); ok {
						if _, ok := m[AnnotationLastApplied]; ok {
							delete(m, AnnotationLastApplied)
							changed = true
						}
					}
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(obj)
	return changed
}

// redactNamedValues replaces the non-empty string "value" of each {name,
// value} element of list whose name redact says to.
func redactNamedValues(list any, redact func(name string) bool) bool {
	items, ok := list.([]any)
	if !ok {
		return false
	}
	changed := false
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if s, ok := m["value"].(string); ok && s != "" && s != RedactedValue && redact(name) {
			m["value"] = RedactedValue
			changed = true
		}
	}
	return changed
}

// redactStrings replaces every non-empty string of list from index from on.
func redactStrings(list any, from int) bool {
	items, ok := list.([]any)
	if !ok {
		return false
	}
	changed := false
	for i := from; i < len(items); i++ {
		if keptFlag(items, i) {
			continue
		}
		if s, ok := items[i].(string); ok && s != "" && s != RedactedValue {
			items[i] = RedactedValue
			changed = true
		}
	}
	return changed
}

// RedactCapture applies Redact to a capture that holds one Kubernetes
// object, List or probe document (a JSON object with a "kind"). Anything
// else (AWS CLI output, the issuer's documents, PEM) is returned as is: it
// holds none of those shapes. A changed capture is re-encoded as the
// collectors encode (kubectl's 4-space indent, HTML-escaped).
func RedactCapture(data []byte) []byte {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return data
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return data
	}
	m, ok := v.(map[string]any)
	if !ok {
		return data
	}
	if _, ok := m["kind"].(string); !ok || !Redact(m) {
		return data
	}
	out, err := json.MarshalIndent(m, "", "    ")
	if err != nil {
		return data
	}
	return append(out, '\n')
}

// keptFlag reports whether items[i] is a flag of KeptFlags, its
// "--flag=VALUE" form, or the value after a bare "--flag".
func keptFlag(items []any, i int) bool {
	word, _ := items[i].(string)
	prev := ""
	if i > 0 {
		prev, _ = items[i-1].(string)
	}
	for _, f := range KeptFlags {
		if word == f || strings.HasPrefix(word, f+"=") || prev == f {
			return true
		}
	}
	return false
}
