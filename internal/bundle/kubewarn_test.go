package bundle

import (
	"strings"
	"testing"
)

// A capture made with `> FILE 2>&1`, as the README says, holds kubectl's
// stderr warnings beside the object: an API server warning header before
// it (client-go prints "Warning: MESSAGE") and kubectl version's skew
// warning after it. The object is read, and offsets stay the file's.
func TestKubectlWarningLines(t *testing.T) {
	const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-1","namespace":"payments"},"spec":{"serviceAccountName":"api","containers":[{"name":"app","image":"x"}]}}`
	const podYAML = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api-1\n  namespace: payments\nspec:\n  serviceAccountName: api\n  containers:\n  - name: app\n    image: x\n"
	const deprecation = "Warning: policy/v1beta1 PodSecurityPolicy is deprecated in v1.21+, unavailable in v1.25+\n"
	const skew = "WARNING: version difference between client (1.32) and server (1.29) exceeds the supported minor version skew of +/-1\n"
	tests := []struct {
		name, content string
		pods          int
		fileErr       string
	}{
		{name: "JSON after a warning header", content: deprecation + pod + "\n", pods: 1},
		{name: "JSON before the version skew warning", content: pod + "\n" + skew, pods: 1},
		{name: "both, with a blank line and CRLF", content: "Warning: a\r\n" + deprecation + pod + "\r\n\r\n" + skew, pods: 1},
		{name: "YAML after a warning header", content: deprecation + podYAML, pods: 1},
		{name: "YAML before a trailing warning", content: podYAML + skew, pods: 1},
		// The line number of an error is the file's, warning lines counted.
		{name: "an error after a warning keeps its line", content: deprecation + "{\n  \"kind\": \"Pod\",\n  x\n}\n",
			fileErr: "-:4:3: invalid JSON: invalid character 'x' at start of value"},
		// Text that is not kubectl's warning is still refused, where it is.
		{name: "other text before JSON", content: "warning: lower case is not kubectl's\n" + pod, fileErr: "-:3:1: invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := readStdin(t, tt.content)
			if len(s.Pods) != tt.pods {
				t.Errorf("pods = %d, want %d (files: %+v)", len(s.Pods), tt.pods, s.Files)
			}
			got := ""
			if len(s.Files) == 1 {
				got = s.Files[0].Error
			}
			switch {
			case tt.fileErr == "" && got != "":
				t.Errorf("file error %q, want none", got)
			case !strings.HasPrefix(got, tt.fileErr):
				t.Errorf("file error %q, want it to start %q", got, tt.fileErr)
			}
		})
	}
}
