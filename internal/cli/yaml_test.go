package cli

import (
	"os"
	"path/filepath"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// TestExamplesYAMLIsJSON: for every bundled example, -o yaml read back as
// kubectl users read YAML (sigs.k8s.io/yaml) is exactly the -o json
// document, with the same exit code, and holds no character a terminal
// acts on.
func TestExamplesYAMLIsJSON(t *testing.T) {
	dirs, err := os.ReadDir("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			dir := filepath.Join("../../examples", d.Name())
			j := runCLI(t, "", "analyze", dir, "-o", "json")
			y := runCLI(t, "", "analyze", dir, "-o", "yaml")
			if j.code != y.code || y.stderr != "" {
				t.Errorf("yaml: exit %d (json %d), stderr %q", y.code, j.code, y.stderr)
			}
			converted, err := yaml.YAMLToJSON([]byte(y.stdout))
			if err != nil {
				t.Fatalf("yaml does not parse: %v\n%s", err, y.stdout)
			}
			var want, got any
			if err := json.Unmarshal([]byte(j.stdout), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(converted, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("yaml differs from json (-json +yaml):\n%s", diff)
			}
			for _, r := range y.stdout {
				if r != '\n' && termsafe.Unsafe(r) {
					t.Errorf("raw %U in yaml", r)
				}
			}
		})
	}
}

// TestChecksYAMLIsJSON: `checks -o yaml` is the `checks -o json` list.
func TestChecksYAMLIsJSON(t *testing.T) {
	j := runCLI(t, "", "checks", "-o", "json")
	y := runCLI(t, "", "checks", "-o", "yaml")
	converted, err := yaml.YAMLToJSON([]byte(y.stdout))
	if err != nil {
		t.Fatalf("yaml does not parse: %v", err)
	}
	var want, got any
	if err := json.Unmarshal([]byte(j.stdout), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(converted, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checks -o yaml differs from -o json (-json +yaml):\n%s", diff)
	}
}
