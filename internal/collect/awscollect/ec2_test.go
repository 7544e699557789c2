package awscollect

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

const (
	nodeA   = "i-0a1b2c3d4e5f60718"
	nodeB   = "i-0b2c3d4e5f6071829"
	profile = "arn:aws:iam::" + acctA + ":instance-profile/eks-general-5ac8e0f2"
)

func ec2World() awsfake.State {
	st := world()
	st.Instances = []awsfake.Instance{
		{ID: nodeA, PrivateDNSName: "ip-10-0-21-87.us-west-2.compute.internal", InstanceProfileARN: profile, HTTPTokens: "optional", HopLimit: 2},
		{ID: nodeB, PrivateDNSName: "ip-10-0-44-12.us-west-2.compute.internal", InstanceProfileARN: profile, HTTPTokens: "required", HopLimit: 1},
	}
	return st
}

// TestDescribeInstances: the nodes' instances are read with one
// ec2:DescribeInstances, captured as the AWS CLI prints them, and read
// back into the facts IRSA407 judges IMDS by. An instance that no longer
// exists is left out without failing the call.
func TestDescribeInstances(t *testing.T) {
	f := awsfake.New(t, ec2World())
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod",
		InstanceIDs: []string{nodeB, nodeA, nodeA, "i-0fffffffffffffff0", "not-an-instance"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count("ec2:DescribeInstances"); n != 1 {
		t.Errorf("ec2:DescribeInstances called %d times, want once", n)
	}
	var data string
	for _, c := range res.Captures {
		if c.Path == acctA+"/describe-instances.json" {
			data = string(c.Data)
			if c.Source != (snapshot.Source{Kind: "aws", Ref: "ec2:DescribeInstances"}) {
				t.Errorf("capture source %+v", c.Source)
			}
		}
	}
	want := `{
    "Reservations": [
        {
            "Groups": [],
            "Instances": [
                {
                    "AmiLaunchIndex": 0,
                    "ImageId": "ami-0c2d3e4f5a6b7c8d9",
                    "InstanceId": "i-0a1b2c3d4e5f60718",
                    "InstanceType": "m6i.large",
                    "LaunchTime": "2026-11-02T08:12:41+00:00",
                    "Placement": {
                        "AvailabilityZone": "us-west-2a",
                        "Tenancy": "default"
                    },
                    "PrivateDnsName": "ip-10-0-21-87.us-west-2.compute.internal",
                    "State": {
                        "Code": 16,
                        "Name": "running"
                    },
                    "Architecture": "x86_64",
                    "IamInstanceProfile": {
                        "Arn": "arn:aws:iam::111122223333:instance-profile/eks-general-5ac8e0f2",
                        "Id": "` + fakeProfileID(t, f) + `"
                    },
                    "MetadataOptions": {
                        "State": "applied",
                        "HttpTokens": "optional",
                        "HttpPutResponseHopLimit": 2,
                        "HttpEndpoint": "enabled",
                        "HttpProtocolIpv6": "disabled",
                        "InstanceMetadataTags": "disabled"
                    }
                }
            ],
            "OwnerId": "111122223333",
            "ReservationId": "r-0a1b2c3d4e5f60718"
        },
`
	if len(data) < len(want) || data[:len(want)] != want {
		t.Errorf("describe-instances capture starts\n%s\nwant\n%s", data, want)
	}
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	type inst struct {
		ID, Tokens string
		Hop        int
		Profile    string
	}
	var got []inst
	for _, i := range s.Instances {
		got = append(got, inst{i.InstanceID, i.Metadata.HTTPTokens, *i.Metadata.HopLimit, i.InstanceProfileARN})
	}
	if d := cmp.Diff([]inst{{nodeA, "optional", 2, profile}, {nodeB, "required", 1, profile}}, got); d != "" {
		t.Errorf("instances read back (-want +got):\n%s", d)
	}
}

// fakeProfileID is the Id the fake gives the instance profile.
func fakeProfileID(t *testing.T, f *awsfake.Fake) string {
	t.Helper()
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", InstanceIDs: []string{nodeA}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
	if err != nil || len(s.Instances) != 1 {
		t.Fatalf("read back: %v, %d instances", err, len(s.Instances))
	}
	for _, c := range res.Captures {
		if c.Path == acctA+"/describe-instances.json" {
			const key = `"Id": "`
			i := indexOf(string(c.Data), key)
			if i < 0 {
				t.Fatal("no instance profile Id in the capture")
			}
			rest := string(c.Data)[i+len(key):]
			return rest[:indexOf(rest, `"`)]
		}
	}
	t.Fatal("no describe-instances capture")
	return ""
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestDescribeInstancesBatches: 450 instances take three calls of at most
// 200 IDs, captured as one output.
func TestDescribeInstancesBatches(t *testing.T) {
	st := world()
	var ids []string
	for i := range 450 {
		id := fmt.Sprintf("i-%017x", 0x0a0000000000000+i)
		ids = append(ids, id)
		st.Instances = append(st.Instances, awsfake.Instance{ID: id})
	}
	f := awsfake.New(t, st)
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", InstanceIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	// Three batches: counted by the IDs each call asked for, so that a
	// call the SDK's retryer repeats after a transport error on a loaded
	// machine counts once.
	batches := map[string]bool{}
	for _, c := range f.Log() {
		if c.Action == "ec2:DescribeInstances" && c.Status == 200 {
			batches[c.Resource] = true
		}
	}
	if len(batches) != 3 {
		t.Errorf("ec2:DescribeInstances asked for %d distinct batches, want 3 (calls: %d)", len(batches), f.Count("ec2:DescribeInstances"))
	}
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Instances) != 450 {
		t.Errorf("%d instances read back, want 450", len(s.Instances))
	}
}

// TestDescribeInstancesDenied: a refused call is a gap naming the
// instances, and no capture.
func TestDescribeInstancesDenied(t *testing.T) {
	f := awsfake.New(t, ec2World())
	f.Deny("ec2:DescribeInstances", "")
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", InstanceIDs: []string{nodeA, nodeB}})
	if err != nil {
		t.Fatal(err)
	}
	var gaps []snapshot.Gap
	for _, g := range res.Gaps {
		if g.Operation == "ec2:DescribeInstances" {
			gaps = append(gaps, g)
		}
	}
	want := []snapshot.Gap{{Source: "aws", Operation: "ec2:DescribeInstances", Resource: nodeA + " " + nodeB,
		Reason: "UnauthorizedOperation: You are not authorized to perform this operation. User: " + callerARN +
			" is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action" +
			" (grant ec2:DescribeInstances; deploy/iam-policy.json lists what irsa-doctor calls)"}}
	if d := cmp.Diff(want, gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
	for _, c := range res.Captures {
		if c.Path == acctA+"/describe-instances.json" {
			t.Error("a refused DescribeInstances was captured")
		}
	}
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Gaps: res.Gaps})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := s.GapFor("ec2:DescribeInstances", nodeB); !ok || g.Reason == "" {
		t.Errorf("GapFor(%s) = %+v, %t", nodeB, g, ok)
	}
}

// TestDescribeInstancesNone: no instance ID, no call.
func TestDescribeInstancesNone(t *testing.T) {
	f := awsfake.New(t, ec2World())
	if _, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod"}); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("ec2:DescribeInstances"); n != 0 {
		t.Errorf("ec2:DescribeInstances called %d times without instance IDs", n)
	}
}
