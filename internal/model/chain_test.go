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
