package snapshot

// Observation sources (finding.Symptom.Source).
const (
	ObservedInLog  = "log"  // kubectl logs output
	ObservedInFile = "file" // a pasted error text
	// ObservedInCloudTrail is a failed sts:AssumeRoleWithWebIdentity
	// event of `aws cloudtrail lookup-events` (bundle/cloudtrail.go).
	ObservedInCloudTrail = "cloudtrail"
)

// Observation is an error the user saw: one catalogue signature
// (internal/symptom) found in a log or a pasted error text, counted per
// file and container. Observations are evidence for the checks the
// signature names (Candidates); they are never facts a check judges by.
type Observation struct {
	// Source is ObservedInLog, ObservedInFile or ObservedInCloudTrail.
	Source string `json:"source"`
	// Namespace, Pod and Container say whose output it was, when the file's
	// name says (the dump naming convention: logs/NAMESPACE/POD/CONTAINER.log)
	// or kubectl's --prefix does; "" when not known (see
	// model.ObservationsOf: a bundle with one target pod gets it).
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
	// ServiceAccount and Role say whose call a CloudTrail event records:
	// the ServiceAccount named by the token's subject
	// (system:serviceaccount:NAMESPACE:NAME, its namespace in Namespace)
	// and the role ARN asked for. "" for logs and error texts, and
	// ServiceAccount "" when the subject names no ServiceAccount.
	ServiceAccount string `json:"serviceAccount,omitempty"`
	Role           string `json:"role,omitempty"`
	// Signature is the catalogue's signature ID, Title its title.
	Signature string `json:"signature"`
	Title     string `json:"title"`
	// Candidates are the checks that can cause it, most likely first.
	Candidates []string `json:"candidates,omitempty"`
	// Capture holds the catalogue's commands whose output decides
	// between the candidates, filled in with Fields.
	Capture []string `json:"capture,omitempty"`
	// Fields are what the first matched line carried (role ARN, issuer...).
	Fields map[string]string `json:"fields,omitempty"`
	Count  int               `json:"count"`
	// First and Last are the times of the first and last occurrence (RFC
	// 3339), when the lines carry one (kubectl logs --timestamps, a JSON
	// time or ts field); "" otherwise.
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	// Sample is the last matched line, with tokens and key IDs redacted.
	Sample string `json:"sample"`
	File   Source `json:"file"`
}

// Attributed reports whether the observation names its pod.
func (o *Observation) Attributed() bool { return o.Pod != "" }
