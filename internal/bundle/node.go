package bundle

import (
	"bytes"
	"fmt"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Nodes and EC2 instances. A Node is a Kubernetes object (`kubectl get
// nodes -o json`, recognised by kind like the others in kube.go); the
// instances are `aws ec2 describe-instances --output json`, recognised by
// its top-level "Reservations", or a bare instance as `--query
// 'Reservations[].Instances[]'` prints them (an object with InstanceId and
// MetadataOptions). They tell whether IMDS answers a pod (IRSA407).

// decodeNode decodes one Node straight into snapshot.Node: a Node's spec
// and status share no field with the pod-shaped kubeObject.
func decodeNode(raw []byte, apiVersion string, src snapshot.Source, opts json.Options) item {
	n := &snapshot.Node{Source: src}
	if err := json.Unmarshal(raw, n, opts); err != nil {
		return item{kind: "Node", apiVersion: apiVersion, err: err}
	}
	return item{kind: "Node", apiVersion: apiVersion, name: n.Name, obj: n}
}

// ec2Instance is the part of an EC2 Instance (describe-instances
// Reservations[].Instances[]) the checks read; the EC2 API spells its
// members in PascalCase in the CLI's JSON.
type ec2Instance struct {
	InstanceID   string `json:"InstanceId"`
	InstanceType string `json:"InstanceType"`
	Placement    struct {
		AvailabilityZone string `json:"AvailabilityZone"`
	} `json:"Placement"`
	State struct {
		Name string `json:"Name"`
	} `json:"State"`
	PrivateDNSName     string `json:"PrivateDnsName"`
	IamInstanceProfile struct {
		Arn string `json:"Arn"`
	} `json:"IamInstanceProfile"`
	MetadataOptions *struct {
		State                   string `json:"State"`
		HTTPTokens              string `json:"HttpTokens"`
		HTTPPutResponseHopLimit *int   `json:"HttpPutResponseHopLimit"`
		HTTPEndpoint            string `json:"HttpEndpoint"`
		HTTPProtocolIPv6        string `json:"HttpProtocolIpv6"`
		InstanceMetadataTags    string `json:"InstanceMetadataTags"`
	} `json:"MetadataOptions"`
}

// parseDescribeInstances reads `aws ec2 describe-instances --output json`:
// {"Reservations": [{"OwnerId": ..., "Instances": [...]}, ...]}.
func parseDescribeInstances(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "describe-instances", "Reservations", '[')
	if !ok {
		return
	}
	raws, err := elements(v)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v)+errOffset(err), "describe-instances Reservations: "+describeJSONError(err))
		return
	}
	for i, raw := range raws {
		what := fmt.Sprintf("describe-instances reservation %d", i)
		if raw.Kind() != '{' {
			r.failOff(src, offsetOf(src.data, raw), what+" is "+kindName(raw.Kind())+", not an object")
			continue
		}
		owner, _ := memberOf(raw, "OwnerId")
		var ownerID string
		if owner.Kind() == '"' {
			_ = json.Unmarshal(owner, &ownerID)
		}
		insts, _ := memberOf(raw, "Instances")
		if insts.Kind() != '[' {
			r.failOff(src, offsetOf(src.data, raw), what+" has no Instances array")
			continue
		}
		ivs, err := elements(insts)
		if err != nil {
			r.failOff(src, offsetOf(src.data, insts)+errOffset(err), what+" Instances: "+describeJSONError(err))
			continue
		}
		for j, iv := range ivs {
			if inst, ok := r.instance(src, iv, fmt.Sprintf("%s instance %d", what, j)); ok {
				inst.OwnerID = ownerID
				r.instances = append(r.instances, inst)
			}
		}
	}
	r.recognise("aws:DescribeInstances")
}

// memberOf returns the value of one member of object v, aliasing v's bytes
// (so that problems are reported at their place in the file).
func memberOf(v jsontext.Value, name string) (jsontext.Value, bool) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(v), walkOpts)
	if t, err := dec.ReadToken(); err != nil || t.Kind() != '{' {
		return nil, false
	}
	for dec.PeekKind() == '"' {
		t, err := dec.ReadToken()
		if err != nil {
			return nil, false
		}
		if t.String() != name {
			if dec.SkipValue() != nil {
				return nil, false
			}
			continue
		}
		val, err := dec.ReadValue()
		return val, err == nil
	}
	return nil, false
}

// parseBareInstance reads one instance as `--query
// 'Reservations[].Instances[]'` prints them.
func parseBareInstance(r *result, src *jsonSrc, o *object) {
	if o.raw == nil {
		return
	}
	if inst, ok := r.instance(src, o.raw, "describe-instances instance"); ok {
		r.instances = append(r.instances, inst)
		r.recognise("aws:DescribeInstances")
	}
}

// instance converts one instance; ok false when it is unusable (recorded).
func (r *result) instance(src *jsonSrc, v jsontext.Value, what string) (*snapshot.EC2Instance, bool) {
	if v.Kind() != '{' {
		r.failOff(src, offsetOf(src.data, v), what+" is "+kindName(v.Kind())+", not an object")
		return nil, false
	}
	var e ec2Instance
	if !r.decodeMember(src, v, &e, what) {
		return nil, false
	}
	if !strings.HasPrefix(e.InstanceID, "i-") {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s has no usable InstanceId (%q); skipped", what, e.InstanceID))
		return nil, false
	}
	inst := &snapshot.EC2Instance{InstanceID: e.InstanceID, InstanceType: e.InstanceType, AvailabilityZone: e.Placement.AvailabilityZone,
		State: e.State.Name, PrivateDNSName: e.PrivateDNSName, InstanceProfileARN: e.IamInstanceProfile.Arn, Source: r.src}
	if m := e.MetadataOptions; m != nil {
		inst.Metadata = snapshot.MetadataOptions{HTTPTokens: m.HTTPTokens, HopLimit: m.HTTPPutResponseHopLimit, HTTPEndpoint: m.HTTPEndpoint,
			HTTPProtocolIPv6: m.HTTPProtocolIPv6, InstanceMetadataTags: m.InstanceMetadataTags, State: m.State}
	} else {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s %s has no MetadataOptions: its IMDS settings are unknown", what, e.InstanceID))
	}
	return inst, true
}

// addNodes merges one file's nodes and instances into the snapshot; the
// first occurrence of a node (by name) or an instance (by ID) wins, as for
// every other object (merger).
func (m *merger) addNodes(r *result) {
	s := m.s
	for _, n := range r.nodes {
		if firstOf(m.nodes, n.Name) {
			s.Nodes = append(s.Nodes, n)
		}
	}
	for _, i := range r.instances {
		// snapshot.Instance finds no instance of ID "": keep each.
		if i.InstanceID == "" || firstOf(m.instances, i.InstanceID) {
			s.Instances = append(s.Instances, i)
		}
	}
}
