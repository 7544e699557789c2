package snapshot

// AWS shared config files that pods mount from ConfigMaps. A ConfigMap is
// read for one purpose only: to find the roles a container's AWS SDK
// assumes after its own credentials (role chaining, IRSA604). Of a
// ConfigMap the snapshot keeps its name and, for each data key whose value
// parses as an AWS config file with at least one profile, the profiles'
// assume-role settings below; no other key, and no other value, is kept.

// KindConfigMap is ConfigMaps (`kubectl get configmap NAME -n NS -o json`).
const KindConfigMap Kind = "ConfigMap"

// ConfigMap is what the snapshot keeps of a ConfigMap.
type ConfigMap struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// AWSConfigFiles are its data keys that hold an AWS shared config
	// file, in key order; empty for a ConfigMap that holds none.
	AWSConfigFiles []AWSConfigFile `json:"awsConfigFiles,omitempty"`
	Source         Source          `json:"-"`
}

// AWSConfigFile is one data key of a ConfigMap that parses as an AWS shared
// config file (AWS SDKs and Tools Reference Guide, "Shared config and
// credentials files").
type AWSConfigFile struct {
	Key      string       `json:"key"`
	Profiles []AWSProfile `json:"profiles"`
}

// AWSProfile is the part of a profile ([default] or [profile NAME]) that
// says how its credentials are obtained (AWS SDKs and Tools Reference
// Guide, "Assume role credential provider"). Other settings (region,
// output, s3 subsections, ...) are not kept.
type AWSProfile struct {
	Name                 string `json:"name"`
	RoleARN              string `json:"roleArn,omitempty"`
	SourceProfile        string `json:"sourceProfile,omitempty"`
	CredentialSource     string `json:"credentialSource,omitempty"`
	WebIdentityTokenFile string `json:"webIdentityTokenFile,omitempty"`
	RoleSessionName      string `json:"roleSessionName,omitempty"`
	ExternalID           string `json:"externalId,omitempty"`
	DurationSeconds      string `json:"durationSeconds,omitempty"`
}

// ConfigMapNamed returns the ConfigMap namespace/name, or nil.
func (s *Snapshot) ConfigMapNamed(namespace, name string) *ConfigMap {
	for _, cm := range s.ConfigMaps {
		if cm.Namespace == namespace && cm.Name == name {
			return cm
		}
	}
	return nil
}

// File returns the AWS config file held under key, or nil.
func (cm *ConfigMap) File(key string) *AWSConfigFile {
	for i := range cm.AWSConfigFiles {
		if cm.AWSConfigFiles[i].Key == key {
			return &cm.AWSConfigFiles[i]
		}
	}
	return nil
}

// Profile returns the profile called name, or nil.
func (f *AWSConfigFile) Profile(name string) *AWSProfile {
	for i := range f.Profiles {
		if f.Profiles[i].Name == name {
			return &f.Profiles[i]
		}
	}
	return nil
}
