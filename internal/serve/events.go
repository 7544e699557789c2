package serve

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
)

// Kubernetes Events (events.k8s.io/v1, client-go's recorder: recorder.go): a Warning on
// the workload (or bare pod) and on the ServiceAccount of each target a
// failure concerns when it appears, reason the check's slug in CamelCase;
// a Normal <Reason>Resolved when it clears. One Event per object, check
// and transition: the pods of a Deployment give one Event, on the
// Deployment. Only the leader emits (leader.go); the state a replica
// starts with, or finds when it becomes leader, is announced by no Event.

// Event rate: at most 5 a second, a burst of 50; what is beyond is
// dropped (and counted), never queued without bound.
const (
	eventRate  = 5
	eventBurst = 50
	// eventController is the events' reportingController.
	eventController = "irsa-doctor.io/serve"
	// eventAction is the events' action.
	eventAction = "Diagnose"
	// maxNote is the API's limit of an Event's note (1 kB).
	maxNote = 1024
)

// emitter sends the Events of the transitions.
type emitter struct {
	recorder *recorder
	limiter  *rate.Limiter
	leader   *atomic.Bool
	log      *slog.Logger
	uid      func(kind, ns, name string) (string, bool)
	emitted  func(eventType string)

	mu sync.Mutex
	// last is the type of the last Event per object and check, so that a
	// transition is announced once whatever how many subjects or targets
	// carry it.
	last map[string]string
}

func newEmitter(ctx context.Context, cs kubeclient.Interface, leader *atomic.Bool, log *slog.Logger,
	uid func(kind, ns, name string) (string, bool), emitted func(string)) (*emitter, error) {
	return &emitter{recorder: newRecorder(ctx, cs, eventController), limiter: rate.NewLimiter(eventRate, eventBurst),
		leader: leader, log: log, uid: uid, emitted: emitted, last: map[string]string{}}, nil
}

// apiVersions of the kinds Events are emitted on.
var apiVersions = map[string]string{
	"Pod": "v1", "ServiceAccount": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"Job": "batch/v1", "CronJob": "batch/v1",
}

// regarding are the objects a failure's Events go on: for each target it
// concerns, its workload (a pod's top-level owner, else the bare pod, or
// the workload target itself) and its ServiceAccount; each once.
func regarding(f Failing) []finding.Ref {
	var out []finding.Ref
	add := func(r finding.Ref) {
		if r.Name == "" || apiVersions[r.Kind] == "" {
			return
		}
		for _, o := range out {
			if o == r {
				return
			}
		}
		out = append(out, r)
	}
	for _, t := range f.Targets {
		switch {
		case t.Kind == "Pod" && t.Owner != nil:
			add(finding.Ref{Kind: t.Owner.Kind, Namespace: t.Owner.Namespace, Name: t.Owner.Name})
		default:
			add(finding.Ref{Kind: t.Kind, Namespace: t.Namespace, Name: t.Name})
		}
		if t.ServiceAccount != "" {
			add(finding.Ref{Kind: "ServiceAccount", Namespace: t.Namespace, Name: t.ServiceAccount})
		}
	}
	if len(f.Targets) == 0 {
		add(f.Subject)
	}
	return out
}

// Reason is a check's slug in CamelCase: trust-subject-mismatch ->
// TrustSubjectMismatch.
func Reason(slug string) string {
	var b strings.Builder
	for _, part := range strings.Split(slug, "-") {
		if part == "" {
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// Emit sends the Events of tr, when this replica leads.
func (e *emitter) Emit(tr Transitions) {
	if !e.leader.Load() {
		return
	}
	send := func(f Failing, typ string) {
		reason := Reason(f.Slug)
		note := strings.Join(strings.Fields(f.Message), " ") + " (" + f.Check + ")"
		if typ == corev1.EventTypeNormal {
			reason += "Resolved"
			note = "resolved: " + note
		}
		if len(note) > maxNote {
			note = note[:maxNote-3] + "..."
		}
		for _, r := range regarding(f) {
			uid, ok := e.uid(r.Kind, r.Namespace, r.Name)
			if !ok && typ == corev1.EventTypeWarning {
				continue // a missing ServiceAccount (IRSA101) has no object to hold it
			}
			key := r.Kind + "/" + r.Namespace + "/" + r.Name + "\x00" + f.Check
			e.mu.Lock()
			same := e.last[key] == typ || (typ == corev1.EventTypeNormal && e.last[key] == "")
			if !same {
				e.last[key] = typ
			}
			e.mu.Unlock()
			if same {
				continue
			}
			if !e.limiter.Allow() {
				e.log.Debug("event dropped by the rate limit", "reason", reason, "object", r.Kind+"/"+r.Namespace+"/"+r.Name)
				e.emitted("dropped")
				continue
			}
			ref := &corev1.ObjectReference{Kind: r.Kind, APIVersion: apiVersions[r.Kind], Namespace: r.Namespace, Name: r.Name, UID: typesUID(uid)}
			e.recorder.Eventf(ref, typ, reason, eventAction, "%s", note)
			e.emitted(typ)
		}
	}
	for _, f := range tr.Appeared {
		send(f, corev1.EventTypeWarning)
	}
	for _, f := range tr.Resolved {
		send(f, corev1.EventTypeNormal)
	}
}

func typesUID(s string) types.UID { return types.UID(s) }
