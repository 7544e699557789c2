package awsfake

import (
	"encoding/xml"
	"net/http"
	"time"
)

// The AWS query protocol (IAM, STS): a form POST with Action and Version;
// the answer is <ActionResponse xmlns=NS><ActionResult>...</ActionResult>
// <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata>
// </ActionResponse>, an error is <ErrorResponse xmlns=NS><Error><Type>
// Sender|Receiver</Type><Code>..</Code><Message>..</Message></Error>
// <RequestId>..</RequestId></ErrorResponse> with the error's HTTP status
// (AWS query protocol specification; IAM and STS API references, "Common
// Errors").

var namespaces = map[string]string{
	"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
	"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}

var versions = map[string]string{
	"iam": "2010-05-08",
	"sts": "2011-06-15",
	"ec2": "2016-11-15",
}

type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func (f *Fake) answerQueryError(w http.ResponseWriter, req *request, service string, e *apiError) {
	var doc queryError
	doc.Xmlns = namespaces[service]
	doc.Error.Type = "Sender"
	if e.Status >= 500 {
		doc.Error.Type = "Receiver"
	}
	doc.Error.Code = e.Code
	doc.Error.Message = e.Message
	doc.RequestID = f.requestID()
	f.writeXML(w, req, e.Status, doc, doc.RequestID)
}

// answerQuery writes result (the *Result element's content) inside the
// action's response envelope.
func (f *Fake) answerQuery(w http.ResponseWriter, req *request, result any) {
	id := f.requestID()
	type metadata struct {
		RequestID string `xml:"RequestId"`
	}
	type envelope struct {
		XMLName  xml.Name
		Xmlns    string `xml:"xmlns,attr"`
		Result   any
		Metadata metadata `xml:"ResponseMetadata"`
	}
	doc := envelope{XMLName: xml.Name{Local: req.action + "Response"}, Xmlns: namespaces[req.service], Result: result,
		Metadata: metadata{RequestID: id}}
	f.writeXML(w, req, http.StatusOK, doc, id)
}

func (f *Fake) writeXML(w http.ResponseWriter, req *request, status int, doc any, id string) {
	out, err := xml.Marshal(doc)
	if err != nil {
		http.Error(w, "awsfake: encode answer: "+err.Error(), http.StatusInternalServerError)
		f.record(req, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", id)
	// Recorded before the answer leaves: a client that has read it may
	// look at the log at once.
	if req.action != "" {
		f.record(req, status)
	}
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), out...))
}

// checkVersion answers the query protocol's error for a missing action or
// a wrong API version; ok false when it answered.
func (f *Fake) checkQuery(w http.ResponseWriter, req *request) bool {
	if req.action == "" {
		f.answerError(w, req, &apiError{Code: "MissingAction", Message: "Missing Action", Status: http.StatusBadRequest})
		return false
	}
	if v := req.form.Get("Version"); v != versions[req.service] {
		f.answerError(w, req, &apiError{Code: "InvalidAction",
			Message: "Could not find operation " + req.action + " for version " + v, Status: http.StatusBadRequest})
		return false
	}
	return true
}

// members is a query-protocol list: <X><member>a</member>...</X>.
type members struct {
	Member []string `xml:"member"`
}

// isoTime is how IAM and STS write timestamps.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999") + "Z"
}
