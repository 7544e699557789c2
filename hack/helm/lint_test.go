package main

import (
	"path/filepath"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
)

// TestLint runs `helm lint --strict` on the chart with the default values
// and with every toggle on: no warning, no error (an info, such as the
// missing icon, is logged).
func TestLint(t *testing.T) {
	kv, err := common.ParseKubeVersion(KubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range map[string]map[string]any{
		"defaults": nil,
		"toggles on": {
			"serviceMonitor": map[string]any{"enabled": true},
			"prometheusRule": map[string]any{"enabled": true},
			"report":         map[string]any{"enabled": true},
			"serviceAccount": map[string]any{"roleArn": roleARN},
		},
	} {
		t.Run(name, func(t *testing.T) {
			lint := action.NewLint()
			lint.Strict = true
			lint.Namespace = Namespace
			lint.KubeVersion = kv
			res := lint.Run([]string{filepath.Join(root, chartPath)}, values)
			for _, m := range res.Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", m)
				} else {
					t.Logf("helm lint: %s", m)
				}
			}
			for _, err := range res.Errors {
				t.Errorf("helm lint: %v", err)
			}
			if res.TotalChartsLinted != 1 {
				t.Errorf("charts linted = %d, want 1", res.TotalChartsLinted)
			}
		})
	}
}
