package awsfake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CloudTrail's LookupEvents, as the AWS JSON 1.1 protocol carries it
// (the SDK's service/cloudtrail serializers and deserializers): POST /
// with X-Amz-Target CloudTrail_20131101.LookupEvents (the SDK's short
// form; the long com.amazonaws.cloudtrail.v20131101 form is taken too),
// Content-Type application/x-amz-json-1.1, signed for the service
// "cloudtrail" in the region asked; times are seconds since the epoch
// (numbers) both ways; errors are {"__type": CODE, "message": MSG} with
// the code in x-amzn-ErrorType too.

// TrailEvent is one CloudTrail event that LookupEvents serves.
type TrailEvent struct {
	// Region and Account are where it was recorded; defaults: the fake's
	// region and the first principal's account. Events of the global STS
	// endpoint are recorded in us-east-1.
	Region  string
	Account string
	ID      string // EventId; default derived from the record
	Name    string // EventName; default AssumeRoleWithWebIdentity
	Source  string // EventSource; default sts.amazonaws.com
	Time    time.Time
	// Username is the event's Username; default the record's
	// userIdentity.userName.
	Username string
	// Record is the CloudTrailEvent: the whole record, as the test writes
	// it (see WebIdentityRecord).
	Record string
}

// WebIdentityRecord is the CloudTrail record of an AssumeRoleWithWebIdentity
// call by a token of issuer (host/path) with subject sub for role, failed
// with code and message, or successful when code is "". Its shape is
// CloudTrail's for web identity federation: userIdentity of type
// WebIdentityUser, userName the token's subject
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
func WebIdentityRecord(at time.Time, region, account, issuer, sub, role, code, message string) string {
	provider := "arn:aws:iam::" + account + ":oidc-provider/" + issuer
	rec := map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{"type": "WebIdentityUser", "principalId": provider + ":sts.amazonaws.com:" + sub,
			"userName": sub, "identityProvider": provider},
		"eventTime": at.UTC().Format(time.RFC3339), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
		"awsRegion": region, "sourceIPAddress": "192.0.2.41", "userAgent": "aws-sdk-go-v2/1.36.3 os/linux lang/go#1.24.2 api/sts#1.33.19",
		"requestParameters": map[string]any{"roleArn": role, "roleSessionName": strconv.FormatInt(at.UnixNano(), 10)},
		"requestID":         fakeID("", role+sub+at.String()),
		"eventID":           fakeID("", "event"+role+sub+at.String()),
		"readOnly":          true, "eventType": "AwsApiCall", "managementEvent": true,
		"recipientAccountId": account, "eventCategory": "Management",
	}
	if code != "" {
		rec["errorCode"], rec["errorMessage"] = code, message
	} else {
		rec["responseElements"] = map[string]any{"subjectFromWebIdentityToken": sub, "audience": "sts.amazonaws.com"}
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

// trailAction is the operation an X-Amz-Target names.
func trailAction(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(t, '.'); i >= 0 && strings.HasPrefix(t[:i+1], "CloudTrail_20131101.") ||
		strings.HasPrefix(t, "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.") {
		return t[strings.LastIndexByte(t, '.')+1:]
	}
	return ""
}

func (f *Fake) answerTrailError(w http.ResponseWriter, req *request, e *apiError) {
	w.Header().Set("x-amzn-ErrorType", e.Code)
	f.writeJSON11(w, req, e.Status, map[string]string{"__type": e.Code, "message": e.Message})
}

func (f *Fake) writeJSON11(w http.ResponseWriter, req *request, status int, v any) {
	out, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "awsfake: encode answer: "+err.Error(), http.StatusInternalServerError)
		f.record(req, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Header().Set("x-amzn-RequestId", f.requestID())
	// Recorded before the answer leaves: a client that has read it may
	// look at the log at once.
	if req.action != "" {
		f.record(req, status)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// trailPageMax is LookupEvents' largest and default page (MaxResults).
const trailPageMax = 50

type lookupEventsInput struct {
	LookupAttributes []struct {
		AttributeKey   string
		AttributeValue string
	}
	StartTime  *float64
	EndTime    *float64
	MaxResults *int
	NextToken  *string
}

type trailEventDoc struct {
	EventId         string  `json:"EventId"`
	EventName       string  `json:"EventName"`
	ReadOnly        string  `json:"ReadOnly"`
	EventTime       float64 `json:"EventTime"`
	EventSource     string  `json:"EventSource"`
	Username        string  `json:"Username,omitempty"`
	Resources       []any   `json:"Resources"`
	CloudTrailEvent string  `json:"CloudTrailEvent"`
}

func (f *Fake) serveCloudTrail(w http.ResponseWriter, req *request) {
	st := f.state()
	p := req.principal
	if p == nil {
		req.action = "LookupEvents"
		f.answerTrailError(w, req, &apiError{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusBadRequest})
		return
	}
	if req.action != "LookupEvents" {
		target := req.http.Header.Get("X-Amz-Target")
		req.action = "UnknownOperation"
		f.answerTrailError(w, req, &apiError{Code: "UnknownOperationException", Message: "Unknown operation " + target, Status: http.StatusBadRequest})
		return
	}
	if e := f.fault(req); e != nil {
		f.answerTrailError(w, req, e)
		return
	}
	bad := func(code, msg string) {
		f.answerTrailError(w, req, &apiError{Code: code, Message: msg, Status: http.StatusBadRequest})
	}
	if ct := req.http.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		bad("SerializationException", "Content-Type "+ct+" is not application/x-amz-json-1.1")
		return
	}
	var in lookupEventsInput
	if err := json.Unmarshal(req.body, &in); err != nil {
		bad("SerializationException", "the request body is not a LookupEventsRequest: "+err.Error())
		return
	}
	page := trailPageMax
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > trailPageMax {
			bad("InvalidMaxResultsException", "MaxResults must be between 1 and 50")
			return
		}
		page = *in.MaxResults
	}
	if len(in.LookupAttributes) > 1 {
		bad("InvalidLookupAttributesException", "You can only specify one lookup attribute.")
		return
	}
	name := ""
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		if a.AttributeKey != "EventName" {
			bad("InvalidLookupAttributesException", "awsfake: only the EventName lookup attribute is served, not "+a.AttributeKey)
			return
		}
		name = a.AttributeValue
	}
	now := f.now()
	start, end := now.Add(-90*24*time.Hour), now
	if in.StartTime != nil {
		start = epochTime(*in.StartTime)
	}
	if in.EndTime != nil {
		end = epochTime(*in.EndTime)
	}
	if start.After(end) {
		bad("InvalidTimeRangeException", "Start time must be before end time.")
		return
	}
	var match []TrailEvent
	for _, e := range st.TrailEvents {
		e = trailDefaults(st, e)
		if e.Account != p.Account || e.Region != req.region || (name != "" && e.Name != name) || e.Time.Before(start) || e.Time.After(end) {
			continue
		}
		match = append(match, e)
	}
	// Newest first, as CloudTrail returns them.
	sort.SliceStable(match, func(i, j int) bool { return match[i].Time.After(match[j].Time) })
	// The token is the offset into the matches of this query: a query that
	// changes between pages gets InvalidNextTokenException.
	off := 0
	query := fmt.Sprintf("%s|%s|%d|%d", req.region, name, start.UnixMilli(), end.UnixMilli())
	if in.NextToken != nil {
		q, n, ok := strings.Cut(*in.NextToken, "#")
		v, err := strconv.Atoi(n)
		if !ok || q != fakeID("", query) || err != nil || v < 0 || v > len(match) {
			bad("InvalidNextTokenException", "Invalid NextToken.")
			return
		}
		off = v
	}
	out := map[string]any{}
	docs := []trailEventDoc{}
	for _, e := range match[off:min(off+page, len(match))] {
		docs = append(docs, trailEventDoc{EventId: e.ID, EventName: e.Name, ReadOnly: "true", EventTime: epoch(e.Time),
			EventSource: e.Source, Username: e.Username, Resources: []any{}, CloudTrailEvent: e.Record})
	}
	out["Events"] = docs
	if off+page < len(match) {
		out["NextToken"] = fakeID("", query) + "#" + strconv.Itoa(off+page)
	}
	f.writeJSON11(w, req, http.StatusOK, out)
}

func trailDefaults(st State, e TrailEvent) TrailEvent {
	if e.Region == "" {
		e.Region = st.Region
	}
	if e.Account == "" {
		e.Account = st.Principals[0].Account
	}
	if e.Name == "" {
		e.Name = "AssumeRoleWithWebIdentity"
	}
	if e.Source == "" {
		e.Source = "sts.amazonaws.com"
	}
	if e.ID == "" {
		e.ID = fakeID("", e.Record+e.Time.String())
	}
	if e.Username == "" {
		var rec struct {
			UserIdentity struct {
				UserName string `json:"userName"`
			} `json:"userIdentity"`
		}
		if json.Unmarshal([]byte(e.Record), &rec) == nil {
			e.Username = rec.UserIdentity.UserName
		}
	}
	return e
}

func epochTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}
