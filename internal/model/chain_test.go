package model

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// configMapFile follows the kubelet's projection of a configMap volume.
func TestConfigMapFile(t *testing.T) {
	vol := func(items ...snapshot.KeyToPath) snapshot.Volume {
		return snapshot.Volume{Name: "cfg", ConfigMap: &snapshot.ConfigMapVolume{Name: "aws", Items: items}}
	}
	tests := []struct {
		name    string
		vol     snapshot.Volume
		mount   snapshot.VolumeMount
		file    string
		wantKey string
	}{
		{"every key a file under the mount", vol(), snapshot.VolumeMount{Name: "cfg", MountPath: "/etc/aws/"}, "/etc/aws/config", "config"},
		{"subPath mounts one key as the file", vol(), snapshot.VolumeMount{Name: "cfg", MountPath: "/root/.aws/config", SubPath: "aws-config"}, "/root/.aws/config", "aws-config"},
		{"items map a key to its path", vol(snapshot.KeyToPath{Key: "profiles.ini", Path: "sdk/config"}), snapshot.VolumeMount{Name: "cfg", MountPath: "/etc/aws"}, "/etc/aws/sdk/config", "profiles.ini"},
		{"a key items leave out is no file", vol(snapshot.KeyToPath{Key: "other", Path: "other"}), snapshot.VolumeMount{Name: "cfg", MountPath: "/etc/aws"}, "/etc/aws/config", ""},
		{"a nested path without items is no key", vol(), snapshot.VolumeMount{Name: "cfg", MountPath: "/etc"}, "/etc/aws/config", ""},
		{"another mount path", vol(), snapshot.VolumeMount{Name: "cfg", MountPath: "/etc/aws2"}, "/etc/aws/config", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &snapshot.PodSpec{Volumes: []snapshot.Volume{tt.vol}}
			ct := &snapshot.Container{Name: "app", VolumeMounts: []snapshot.VolumeMount{tt.mount}}
			cm, key, ok := configMapFile(spec, ct, tt.file)
			if ok != (tt.wantKey != "") || key != tt.wantKey || ok && cm != "aws" {
				t.Errorf("configMapFile = %q, %q, %v; want aws, %q", cm, key, ok, tt.wantKey)
			}
		})
	}
}

func TestFlagValue(t *testing.T) {
	for _, tt := range []struct {
		words []string
		want  string
		ok    bool
	}{
		{[]string{"--provider=aws", "--aws-assume-role=arn:aws:iam::1:role/a"}, "arn:aws:iam::1:role/a", true},
		{[]string{"--aws-assume-role", "arn:aws:iam::1:role/b"}, "arn:aws:iam::1:role/b", true},
		{[]string{"--aws-assume-role-external-id=x"}, "", false},
		{[]string{"--aws-assume-role"}, "", false},
	} {
		got, ok := flagValue(tt.words, "--aws-assume-role")
		if got != tt.want || ok != tt.ok {
			t.Errorf("flagValue(%q) = %q, %v; want %q, %v", tt.words, got, ok, tt.want, tt.ok)
		}
	}
}

// TestConfigChainShapes: which profiles of a mounted AWS config file are a
// chain from the pod's web identity, and which are not.
func TestConfigChainShapes(t *testing.T) {
	irsa := snapshot.AWSProfile{Name: "irsa", WebIdentityTokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token", RoleARN: "arn:aws:iam::111122223333:role/app"}
	const data = "arn:aws:iam::444455556666:role/data"
	tests := []struct {
		name                 string
		profiles             []snapshot.AWSProfile
		profile              string // "" leaves AWS_PROFILE unset
		wantRole, wantSource string
	}{
		{"source_profile with web identity", []snapshot.AWSProfile{irsa, {Name: "data", RoleARN: data, SourceProfile: "irsa"}}, "data", data, irsa.RoleARN},
		{"the default profile when AWS_PROFILE is unset", []snapshot.AWSProfile{irsa, {Name: "default", RoleARN: data, SourceProfile: "irsa"}}, "", data, irsa.RoleARN},
		{"the web identity profile itself is no chain", []snapshot.AWSProfile{irsa}, "irsa", "", ""},
		{"credential_source Environment is not the pod's identity", []snapshot.AWSProfile{{Name: "data", RoleARN: data, CredentialSource: "Environment"}}, "data", "", ""},
		{"a source profile without web identity", []snapshot.AWSProfile{{Name: "keys"}, {Name: "data", RoleARN: data, SourceProfile: "keys"}}, "data", "", ""},
		{"a profile the file does not have", []snapshot.AWSProfile{irsa}, "other", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshot.New("offline")
			s.ConfigMaps = []*snapshot.ConfigMap{{Namespace: "app", Name: "aws", AWSConfigFiles: []snapshot.AWSConfigFile{{Key: "config", Profiles: tt.profiles}}}}
			env := []snapshot.EnvVar{{Name: "AWS_CONFIG_FILE", Value: "/etc/aws/config"}}
			if tt.profile != "" {
				env = append(env, snapshot.EnvVar{Name: "AWS_PROFILE", Value: tt.profile})
			}
			spec := &snapshot.PodSpec{
				Containers: []snapshot.Container{{Name: "app", Env: env, VolumeMounts: []snapshot.VolumeMount{{Name: "cfg", MountPath: "/etc/aws"}}}},
				Volumes:    []snapshot.Volume{{Name: "cfg", ConfigMap: &snapshot.ConfigMapVolume{Name: "aws"}}},
			}
			tg := &Target{Kind: "Pod", Namespace: "app", Name: "app-1", Spec: spec}
			got := chainedRoles(&Context{Snap: s}, tg)
			if tt.wantRole == "" {
				if len(got) != 0 {
					t.Errorf("chains = %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].RoleARN != tt.wantRole || got[0].SourceRole != tt.wantSource {
				t.Errorf("chains = %+v, want %s from %s", got, tt.wantRole, tt.wantSource)
			}
		})
	}
}

// ChainFrom takes the container's own IRSA role as the source.
func TestChainFrom(t *testing.T) {
	ct := &snapshot.Container{Name: "app", Env: []snapshot.EnvVar{
		{Name: "AWS_ROLE_ARN", Value: "arn:aws:iam::111122223333:role/app"},
		{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}}}
	tg := &Target{Kind: "Pod", Namespace: "app", Name: "app-1", Spec: &snapshot.PodSpec{Containers: []snapshot.Container{*ct}}}
	cr := ChainFrom(&Context{Snap: snapshot.New("offline")}, tg, ct, "arn:aws:iam::444455556666:role/data", "--can sts:AssumeRole", nil)
	if cr.SourceRole != "arn:aws:iam::111122223333:role/app" || cr.SourceWhy != "" || cr.PodIdentity {
		t.Errorf("ChainFrom = %+v, want the IRSA role as source", cr)
	}
}
