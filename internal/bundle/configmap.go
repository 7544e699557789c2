package bundle

import (
	"sort"
	"strings"

	json "github.com/go-json-experiment/json"
	"gopkg.in/ini.v1"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// ConfigMaps are read for one purpose: the AWS shared config files pods
// mount from them (AWS_CONFIG_FILE), whose profiles may make the SDK
// assume another role after the pod's own credentials (IRSA604). Of a
// ConfigMap only its name and the assume-role settings of the profiles in
// data values that parse as an AWS config file are kept
// (snapshot.AWSProfile); every other key and value is dropped as it is
// decoded, and binaryData is never decoded.

// configMapObject is what is decoded of a ConfigMap.
type configMapObject struct {
	Metadata struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
}

// decodeConfigMap decodes a ConfigMap into what the snapshot keeps of it.
func decodeConfigMap(raw []byte, apiVersion string, src snapshot.Source, opts json.Options) item {
	var o configMapObject
	if err := json.Unmarshal(raw, &o, opts); err != nil {
		return item{kind: "ConfigMap", apiVersion: apiVersion, err: err}
	}
	cm := &snapshot.ConfigMap{Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, Source: src}
	keys := make([]string, 0, len(o.Data))
	for k := range o.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if profiles, ok := ParseAWSConfig(o.Data[k]); ok {
			cm.AWSConfigFiles = append(cm.AWSConfigFiles, snapshot.AWSConfigFile{Key: k, Profiles: profiles})
		}
	}
	return item{kind: "ConfigMap", apiVersion: apiVersion, namespace: cm.Namespace, name: cm.Name, obj: cm}
}

// awsConfigLoad are the options that make gopkg.in/ini.v1 read a file as
// the AWS SDKs read their shared config file (AWS SDKs and Tools Reference
// Guide, "Location and format of the shared config and credentials files"):
// "=" separates a key from its value; an indented line under a key with an
// empty value is a nested setting (`s3 =` then `  max_concurrent_requests
// = 20`), not a key of the profile; a comment starts with # or ; at the
// start of a line, or after whitespace; there is no backslash
// continuation; a line that is none of these is skipped, as the SDKs skip
// it. The SDKs' own parser (aws-sdk-go-v2 internal/ini) is internal and
// cannot be imported; ini.v1 has the AllowNestedValues mode for exactly
// this format.
var awsConfigLoad = ini.LoadOptions{
	AllowNestedValues:        true,
	IgnoreContinuation:       true,
	SpaceBeforeInlineComment: true,
	SkipUnrecognizableLines:  true,
	KeyValueDelimiters:       "=",
	InsensitiveKeys:          true,
	AllowNonUniqueSections:   false,
}

// ParseAWSConfig reads text as an AWS shared config file and returns the
// assume-role settings of its profiles ([default] and [profile NAME]
// sections; [sso-session ...] and [services ...] are not profiles), in
// file order; ok is false when text holds no profile, or does not parse.
// A profile section repeated merges, the later value of a key winning.
func ParseAWSConfig(text string) (profiles []snapshot.AWSProfile, ok bool) {
	if !strings.Contains(text, "[") {
		return nil, false // no section at all: not worth a parse
	}
	f, err := ini.LoadSources(awsConfigLoad, []byte(text))
	if err != nil {
		return nil, false
	}
	seen := map[string]int{}
	for _, sec := range f.Sections() {
		name, isProfile := profileName(sec.Name())
		if !isProfile {
			continue
		}
		get := func(key string) string {
			if !sec.HasKey(key) {
				return ""
			}
			return strings.TrimSpace(sec.Key(key).String())
		}
		p := snapshot.AWSProfile{
			Name:                 name,
			RoleARN:              get("role_arn"),
			SourceProfile:        get("source_profile"),
			CredentialSource:     get("credential_source"),
			WebIdentityTokenFile: get("web_identity_token_file"),
			RoleSessionName:      get("role_session_name"),
			ExternalID:           get("external_id"),
			DurationSeconds:      get("duration_seconds"),
		}
		if i, dup := seen[name]; dup {
			merge(&profiles[i], p)
			continue
		}
		seen[name] = len(profiles)
		profiles = append(profiles, p)
	}
	return profiles, len(profiles) > 0
}

// profileName is the profile a config file section defines: "default" for
// [default] (and [profile default]), NAME for [profile NAME]; ok is false
// for any other section. Whitespace around the name is not part of it.
func profileName(section string) (name string, ok bool) {
	s := strings.TrimSpace(section)
	if s == "default" {
		return s, true
	}
	rest, found := strings.CutPrefix(s, "profile")
	if !found || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return "", false
	}
	name = strings.TrimSpace(rest)
	return name, name != ""
}

func merge(into *snapshot.AWSProfile, p snapshot.AWSProfile) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&into.RoleARN, p.RoleARN)
	set(&into.SourceProfile, p.SourceProfile)
	set(&into.CredentialSource, p.CredentialSource)
	set(&into.WebIdentityTokenFile, p.WebIdentityTokenFile)
	set(&into.RoleSessionName, p.RoleSessionName)
	set(&into.ExternalID, p.ExternalID)
	set(&into.DurationSeconds, p.DurationSeconds)
}

// KeepAWSConfig reduces a ConfigMap, as `kubectl get configmap NAME -o
// json` prints it, to what the bundle keeps of it: its namespace and name,
// and, of each data key whose value parses as an AWS config file, that
// file rewritten with only the profiles' assume-role settings
// (ParseAWSConfig). Every other key, value, setting, annotation and label
// is dropped, and binaryData is never decoded: a live collection passes a
// ConfigMap through it before it becomes a capture, so that no other
// ConfigMap data leaves memory. Reading the result gives the same facts
// as reading raw.
func KeepAWSConfig(raw []byte) ([]byte, error) {
	var o configMapObject
	if err := json.Unmarshal(raw, &o, itemOpts); err != nil {
		return nil, err
	}
	type meta struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	}
	out := struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   meta              `json:"metadata"`
		Data       map[string]string `json:"data"`
	}{APIVersion: "v1", Kind: "ConfigMap", Metadata: meta{Namespace: o.Metadata.Namespace, Name: o.Metadata.Name}, Data: map[string]string{}}
	for k, v := range o.Data {
		if profiles, ok := ParseAWSConfig(v); ok {
			out.Data[k] = renderAWSConfig(profiles)
		}
	}
	return json.Marshal(out, json.Deterministic(true))
}

// renderAWSConfig writes profiles back as an AWS config file that
// ParseAWSConfig reads as the same profiles.
func renderAWSConfig(profiles []snapshot.AWSProfile) string {
	var b strings.Builder
	for _, p := range profiles {
		if p.Name == "default" {
			b.WriteString("[default]\n")
		} else {
			b.WriteString("[profile " + p.Name + "]\n")
		}
		for _, kv := range [][2]string{
			{"role_arn", p.RoleARN}, {"source_profile", p.SourceProfile}, {"credential_source", p.CredentialSource},
			{"web_identity_token_file", p.WebIdentityTokenFile}, {"role_session_name", p.RoleSessionName},
			{"external_id", p.ExternalID}, {"duration_seconds", p.DurationSeconds},
		} {
			if kv[1] != "" {
				b.WriteString(kv[0] + " = " + kv[1] + "\n")
			}
		}
	}
	return b.String()
}
