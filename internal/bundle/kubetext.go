package bundle

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// kubectl's human-readable output, `kubectl describe` and `kubectl get`
// without -o, drops what the checks read (the full annotations, the
// env, the volumes, the owner references). It is recognised only to say
// which command captures the object instead.

// parseKubectlText reports whether data is `kubectl describe` output or a
// `kubectl get` table, and if so records the command to run instead.
func parseKubectlText(r *result, data []byte) bool {
	lines := firstLines(data, 40)
	if len(lines) == 0 {
		return false
	}
	if kind, ns, name, ok := describeOutput(lines); ok {
		r.fail(fmt.Sprintf("kubectl describe output, which leaves out what the checks read: capture the object with: %s",
			getCommand(kind, ns, name, false, r.ref)))
		return true
	}
	if kind, ns, name, all, ok := getTable(lines); ok {
		r.fail(fmt.Sprintf("a kubectl get table (no -o), which leaves out what the checks read: capture it with: %s",
			getCommand(kind, ns, name, all, r.ref)))
		return true
	}
	return false
}

// firstLines returns up to n non-empty lines, right-trimmed.
func firstLines(data []byte, n int) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<10)
	for sc.Scan() && len(out) < n {
		l := strings.TrimRight(sc.Text(), " \t\r")
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

var describeField = regexp.MustCompile(`^([A-Z][A-Za-z ]*):(\s+(.*))?$`)

// describeOutput recognises `kubectl describe`: "Name:" first, then
// Namespace/Labels/Annotations among the next lines, at column 0. The kind
// is not printed for the built-in kinds; it is told by the fields only that
// kind has.
func describeOutput(lines []string) (kind, ns, name string, ok bool) {
	m := describeField.FindStringSubmatch(lines[0])
	if m == nil || m[1] != "Name" || strings.TrimSpace(m[3]) == "" {
		return "", "", "", false
	}
	name = strings.TrimSpace(m[3])
	fields := map[string]string{}
	for _, l := range lines[1:] {
		if m := describeField.FindStringSubmatch(l); m != nil {
			if m[1] == "Name" {
				break // the next object of several
			}
			if _, seen := fields[m[1]]; !seen {
				fields[m[1]] = strings.TrimSpace(m[3])
			}
		}
	}
	_, labels := fields["Labels"]
	_, annotations := fields["Annotations"]
	if _, namespaced := fields["Namespace"]; !namespaced && !labels && !annotations {
		return "", "", "", false
	}
	ns = fields["Namespace"]
	has := func(k string) bool { _, ok := fields[k]; return ok }
	switch {
	case fields["Kind"] != "":
		kind = strings.ToLower(fields["Kind"])
	case has("Mountable secrets") || has("Image pull secrets") || has("Tokens"):
		kind = "serviceaccount"
	case has("StrategyType") || has("MinReadySeconds") && has("Replicas"):
		kind = "deployment"
	case has("Update Strategy") && has("Pods Status") && has("Selector") && has("Replicas"):
		kind = "statefulset"
	case has("Desired Number of Nodes Scheduled"):
		kind = "daemonset"
	case has("Schedule") && has("Concurrency Policy"):
		kind = "cronjob"
	case has("Completions") || has("Parallelism"):
		kind = "job"
	case has("Controlled By") && has("Replicas") && has("Pods Status"):
		kind = "replicaset"
	case has("Node") || has("IP") || has("QoS Class") || has("Priority"):
		kind = "pod"
	case has("Status") && !has("Namespace"):
		kind = "namespace"
	default:
		kind = "KIND"
	}
	return kind, ns, name, true
}

var kubeName = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)

var safeFile = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

var tableHeader = regexp.MustCompile(`^(NAMESPACE\s+)?NAME(\s{2,}[A-Z][A-Z0-9()-]*(\s[A-Z][A-Z0-9()-]*)*)+$`)

// getTable recognises a `kubectl get` table: a header of upper-case
// columns, NAME first (NAMESPACE before it with -A), then rows.
func getTable(lines []string) (kind, ns, name string, all, ok bool) {
	if !tableHeader.MatchString(lines[0]) {
		return "", "", "", false, false
	}
	cols := strings.Fields(lines[0])
	all = cols[0] == "NAMESPACE"
	has := func(c string) bool {
		for _, h := range cols {
			if h == c {
				return true
			}
		}
		return false
	}
	switch {
	case has("SECRETS"):
		kind = "serviceaccounts"
	case has("RESTARTS"):
		kind = "pods"
	case has("UP-TO-DATE") && has("AVAILABLE") && !has("DESIRED"):
		kind = "deployments"
	case has("DESIRED") && has("UP-TO-DATE"):
		kind = "daemonsets"
	case has("WEBHOOKS"):
		kind = "mutatingwebhookconfigurations"
	case has("SCHEDULE"):
		kind = "cronjobs"
	case has("COMPLETIONS"):
		kind = "jobs"
	case has("DESIRED") && has("CURRENT"):
		kind = "replicasets"
	case has("STATUS") && len(cols) == 3:
		kind = "namespaces"
	}
	var rows [][]string
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 && !tableHeader.MatchString(l) {
			rows = append(rows, f)
		}
	}
	nameCol := 0
	if all {
		nameCol = 1
	}
	// `kubectl get pods,sa` prefixes names with their kind: pod/api-1.
	if kind == "" {
		for _, row := range rows {
			if len(row) > nameCol {
				if k, _, found := strings.Cut(row[nameCol], "/"); found {
					kind = k
					break
				}
			}
		}
	}
	if kind == "" {
		kind = "KIND"
	}
	if len(rows) == 1 && len(rows[0]) > nameCol {
		name = rows[0][nameCol]
		if _, n, found := strings.Cut(name, "/"); found {
			name = n
		}
		if all {
			ns, all = rows[0][0], false
		}
		kind = strings.TrimSuffix(kind, "s")
	}
	return kind, ns, name, all, true
}

// getCommand is the `kubectl get ... -o json` line that captures what the
// text showed, writing to a file named after the one read.
func getCommand(kind, ns, name string, all bool, ref string) string {
	// Only names Kubernetes accepts are repeated; anything else is a
	// placeholder (a message is no place for a crafted value).
	if name != "" && !kubeName.MatchString(name) {
		name = "NAME"
	}
	if ns != "" && !kubeName.MatchString(ns) {
		ns = "NAMESPACE"
	}
	if !kubeName.MatchString(kind) {
		kind = "KIND"
	}
	args := []string{"kubectl", "get", kind}
	if name != "" {
		args = append(args, name)
	}
	clusterScoped := kind == "namespace" || kind == "namespaces" || strings.HasPrefix(kind, "mutatingwebhookconfiguration")
	switch {
	case clusterScoped:
	case all:
		args = append(args, "-A")
	case ns != "":
		args = append(args, "-n", ns)
	default:
		args = append(args, "-n", "NAMESPACE")
	}
	file := "FILE.json"
	if ref != "" && ref != "-" {
		base := path.Base(strings.ReplaceAll(ref, `\`, "/"))
		file = strings.TrimSuffix(base, path.Ext(base)) + ".json"
		if !safeFile.MatchString(file) {
			file = "FILE.json"
		}
	}
	return strings.Join(args, " ") + " -o json > " + file + " 2>&1"
}
