package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// templateOwner is the workload whose template the target's pods come
// from: the template target itself, or a pod's top-level owner.
func TemplateOwner(c *Context, t *Target) (kind, name string) {
	if t.IsTemplate() {
		return t.Kind, t.Name
	}
	_, kind, name = c.Index.TopOwner(t.Namespace, t.Meta)
	return kind, name
}

// templatePatchCmd returns a kubectl merge patch that sets (value non-nil)
// or removes one label or annotation of a workload's pod template, for the
// kinds that roll their pods when the template changes; "" otherwise.
func TemplatePatchCmd(kind, name, ns, field, key string, value *string) string {
	meta := map[string]any{field: map[string]any{key: value}}
	var doc map[string]any
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		doc = map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": meta}}}
	case "CronJob":
		doc = map[string]any{"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": meta}}}}}
	default:
		return ""
	}
	b, err := json.Marshal(doc)
	if err != nil || strings.Contains(string(b), "'") {
		return ""
	}
	return fmt.Sprintf("kubectl patch %s %s -n %s --type merge -p '%s'", strings.ToLower(kind), name, ns, b)
}
