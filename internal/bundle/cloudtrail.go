package bundle

import (
	"math"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
)

// CloudTrail as evidence (issue 12): the output of
//
//	aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity \
//	  --start-time 2026-12-07T00:00:00Z --output json
//
// is {"Events": [{"EventId", "EventName", "ReadOnly", "EventTime",
// "EventSource", "Username", "Resources", "CloudTrailEvent"}],
// "NextToken"?}, recognised as aws:LookupEvents. EventTime is an ISO 8601
// string in the CLI's output and seconds since the epoch on the wire (what
// the API returns, and a capture made with an SDK holds): both are read.
// CloudTrailEvent is the whole CloudTrail record as a JSON string. For
// AssumeRoleWithWebIdentity (CloudTrail records these unauthenticated
// STS calls, failed ones included: "Logging IAM and AWS STS API calls
// with AWS CloudTrail",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html;
// userIdentity of type WebIdentityUser, "Values for AWS STS APIs with SAML
// and web identity federation",
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html)
// the record holds:
//
//	"eventTime": "2026-12-07T00:12:03Z", "eventName": "AssumeRoleWithWebIdentity", "awsRegion": "us-west-2",
//	"userIdentity": {"type": "WebIdentityUser", "principalId": "arn:aws:iam::111122223333:oidc-provider/oidc.eks...:sts.amazonaws.com:system:serviceaccount:NS:SA",
//	                 "userName": "system:serviceaccount:NS:SA", "identityProvider": "arn:aws:iam::111122223333:oidc-provider/oidc.eks..."},
//	"errorCode": "InvalidIdentityToken", "errorMessage": "Incorrect token audience",
//	"requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/NAME", "roleSessionName": "...", "durationSeconds": 3600},
//	"requestID": "..."
//
// Each failed event (errorCode set) is matched against the symptom
// catalogue as the SDKs print the error ("An error occurred (CODE) when
// calling the AssumeRoleWithWebIdentity operation: MESSAGE") and counted
// per signature, role and token subject as one snapshot.Observation of
// source "cloudtrail"; successful events are no symptom and are skipped.
// The subject (userName, or the end of principalId when userName is
// missing) names the ServiceAccount, which model.ObservationsOf gives the
// observation to.

// maxCloudTrailEvent bounds one CloudTrailEvent string: CloudTrail's own
// limit on an event is 256 KB.
const maxCloudTrailEvent = 256 << 10

// lookupEvent is one element of Events.
type lookupEvent struct {
	EventName       string         `json:"EventName"`
	EventTime       jsontext.Value `json:"EventTime"`
	CloudTrailEvent string         `json:"CloudTrailEvent"`
}

// cloudTrailRecord is the part of a CloudTrail record that is read.
type cloudTrailRecord struct {
	EventTime    string `json:"eventTime"`
	EventName    string `json:"eventName"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	UserIdentity struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		UserName    string `json:"userName"`
	} `json:"userIdentity"`
	RequestParameters struct {
		RoleArn string `json:"roleArn"`
	} `json:"requestParameters"`
}

// saSubjectPrefix starts the subject of a service account token.
const saSubjectPrefix = "system:serviceaccount:"

func parseLookupEvents(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "lookup-events", "Events", '[')
	if !ok {
		return
	}
	var events []jsontext.Value
	if !r.decodeMember(src, v, &events, "lookup-events Events") {
		return
	}
	// Another AWS CLI output may have Events too (aws rds
	// describe-events): lookup-events' have an EventId or a
	// CloudTrailEvent.
	for _, ev := range events {
		var probe struct {
			EventID         *string `json:"EventId"`
			CloudTrailEvent *string `json:"CloudTrailEvent"`
		}
		if ev.Kind() != '{' || json.Unmarshal(ev, &probe, itemOpts) != nil || (probe.EventID == nil && probe.CloudTrailEvent == nil) {
			r.failOff(src, o.start, "an object "+describeKeys(o)+" whose Events are not CloudTrail events: not a kubectl or aws CLI output irsa-doctor reads")
			return
		}
	}
	r.recognise("aws:LookupEvents")
	cat, err := catalog()
	if err != nil {
		return
	}
	c := &trailCounter{r: r, byKey: map[[3]string]*snapshot.Observation{}, first: map[*snapshot.Observation]time.Time{}, last: map[*snapshot.Observation]time.Time{}}
	for _, ev := range events {
		var le lookupEvent
		if !r.decodeMember(src, ev, &le, "lookup-events event") {
			continue
		}
		if le.EventName != "" && le.EventName != "AssumeRoleWithWebIdentity" {
			continue
		}
		if le.CloudTrailEvent == "" || len(le.CloudTrailEvent) > maxCloudTrailEvent {
			continue
		}
		var rec cloudTrailRecord
		if err := json.Unmarshal([]byte(le.CloudTrailEvent), &rec, itemOpts); err != nil {
			r.failOff(src, offsetOf(src.data, ev), "lookup-events event whose CloudTrailEvent is not a CloudTrail record: "+describeJSONError(err))
			continue
		}
		if rec.EventName != "AssumeRoleWithWebIdentity" || rec.ErrorCode == "" {
			continue
		}
		at := trailTime(rec.EventTime)
		if at.IsZero() {
			at = eventTime(le.EventTime)
		}
		c.add(cat, &rec, at)
	}
}

// trailCounter counts one file's failed events per signature, role and
// subject.
type trailCounter struct {
	r           *result
	byKey       map[[3]string]*snapshot.Observation
	first, last map[*snapshot.Observation]time.Time
}

func (c *trailCounter) add(cat *symptom.Catalog, rec *cloudTrailRecord, at time.Time) {
	sub := rec.UserIdentity.UserName
	if sub == "" {
		// principalId is PROVIDER:AUDIENCE:SUBJECT for a web identity.
		if i := strings.Index(rec.UserIdentity.PrincipalID, saSubjectPrefix); i >= 0 {
			sub = rec.UserIdentity.PrincipalID[i:]
		}
	}
	role := rec.RequestParameters.RoleArn
	// The error as the SDK prints it, then whose call it was: matched
	// whole, so that the catalogue redacts the sample (m.Line) as it does
	// a log line.
	ms := cat.Match(trailSample(SynthesiseSTSError(rec.ErrorCode, rec.ErrorMessage), role, sub))
	if len(ms) == 0 {
		return
	}
	m := ms[0]
	key := [3]string{m.Signature.ID, role, sub}
	ob := c.byKey[key]
	if ob == nil {
		ob = &snapshot.Observation{Source: snapshot.ObservedInCloudTrail, Role: role,
			Signature: m.Signature.ID, Title: m.Signature.Title, Fields: m.Fields, File: c.r.src}
		if ns, name, ok := ServiceAccountOfSubject(sub); ok {
			ob.Namespace, ob.ServiceAccount = ns, name
		}
		// The role asked for is a field the error text did not carry.
		if role != "" {
			if ob.Fields == nil {
				ob.Fields = map[string]string{}
			}
			if ob.Fields["role_arn"] == "" {
				ob.Fields["role_arn"] = role
			}
			if _, rest, ok := strings.Cut(role, ":role/"); ok && ob.Fields["role"] == "" {
				ob.Fields["role"] = rest[strings.LastIndex(rest, "/")+1:]
			}
		}
		for _, cand := range m.Signature.Candidates {
			ob.Candidates = append(ob.Candidates, cand.Check)
		}
		ob.Capture = m.Signature.Commands(ob.Fields, shellQuote)
		ob.Sample = m.Line
		c.byKey[key] = ob
		c.r.observations = append(c.r.observations, ob)
	}
	ob.Count++
	if !at.IsZero() {
		at = at.UTC()
		if f, ok := c.first[ob]; !ok || at.Before(f) {
			c.first[ob] = at
			ob.First = at.Format(time.RFC3339Nano)
		}
		if l, ok := c.last[ob]; !ok || at.After(l) {
			c.last[ob] = at
			ob.Last = at.Format(time.RFC3339Nano)
		}
	}
}

// maxTrailValue bounds the role and subject quoted in a sample.
const maxTrailValue = 300

func trailSample(line, role, sub string) string {
	clip := func(s string) string {
		if len(s) > maxTrailValue {
			return strings.ToValidUTF8(s[:maxTrailValue], "") + "…"
		}
		return s
	}
	var who []string
	if role != "" {
		who = append(who, "role "+clip(role))
	}
	if sub != "" {
		who = append(who, "subject "+clip(sub))
	}
	if len(who) == 0 {
		return line
	}
	return line + " (" + strings.Join(who, ", ") + ")"
}

// SynthesiseSTSError is the line an AWS SDK or CLI prints for a failed
// AssumeRoleWithWebIdentity: what a pod's log would have held.
func SynthesiseSTSError(code, message string) string {
	line := "An error occurred (" + code + ") when calling the AssumeRoleWithWebIdentity operation: " + message
	return strings.Join(strings.Fields(line), " ")
}

// ServiceAccountOfSubject parses a service account token's subject,
// system:serviceaccount:NAMESPACE:NAME.
func ServiceAccountOfSubject(sub string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(sub, saSubjectPrefix)
	if !ok {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	if !ok || namespace == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return namespace, name, true
}

// trailTime parses a CloudTrail record's eventTime (ISO 8601, UTC).
func trailTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// eventTime parses lookup-events' EventTime: an ISO 8601 string (the
// CLI's output) or seconds since the epoch (the API's).
func eventTime(v jsontext.Value) time.Time {
	switch v.Kind() {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return time.Time{}
		}
		return trailTime(s)
	case '0':
		var f float64
		if json.Unmarshal(v, &f) != nil || f <= 0 || f >= 1e11 {
			return time.Time{}
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6)
	}
	return time.Time{}
}
