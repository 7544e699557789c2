package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
)

// recorder is client-go's events.k8s.io/v1 recorder (tools/events:
// NewBroadcaster, StartRecordingToSinkWithContext, NewRecorder, Eventf)
// written again on kubeclient, with the same Events, series, retries and
// log lines: tools/events imports client-go's kubernetes/scheme, which
// links every API group (about 12 MB of the binary; internal/kubeclient).
//
// An Event goes to a queue of 1000 (dropped when it is full), then to the
// API server: created, or, when an isomorphic Event (same type, action,
// reason, controller, instance and objects) was recorded in the last 6
// minutes, counted in that Event's series and patched.
type recorder struct {
	client              kubeclient.Interface
	reportingController string
	reportingInstance   string
	queue               chan *eventsv1.Event
	sleep               time.Duration

	mu    sync.Mutex
	cache map[eventKey]*eventsv1.Event
}

// The constants of client-go's tools/events.
const (
	maxTriesPerEvent = 12
	finishTime       = 6 * time.Minute
	refreshTime      = 30 * time.Minute
	maxQueuedEvents  = 1000
	eventRetrySleep  = 10 * time.Second
)

type eventKey struct {
	eventType, action, reason, reportingController, reportingInstance string
	regarding, related                                                corev1.ObjectReference
}

// newRecorder starts recording until ctx ends; the reporting instance is
// controller-HOSTNAME, as client-go's.
func newRecorder(ctx context.Context, client kubeclient.Interface, controller string) *recorder {
	hostname, _ := os.Hostname()
	r := &recorder{client: client, reportingController: controller, reportingInstance: controller + "-" + hostname,
		queue: make(chan *eventsv1.Event, maxQueuedEvents), sleep: eventRetrySleep, cache: map[eventKey]*eventsv1.Event{}}
	go wait.UntilWithContext(ctx, r.refreshExistingEventSeries, refreshTime)
	go wait.UntilWithContext(ctx, r.finishSeries, finishTime)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-r.queue:
				r.recordToSink(ctx, ev)
			}
		}
	}()
	return r
}

// Eventf records an Event about regarding.
func (r *recorder) Eventf(regarding *corev1.ObjectReference, eventtype, reason, action, note string, args ...any) {
	if eventtype != corev1.EventTypeNormal && eventtype != corev1.EventTypeWarning {
		klog.Background().Error(nil, "Unsupported event type", "eventType", eventtype)
		return
	}
	now := time.Now()
	namespace := regarding.Namespace
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	ev := &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: fmt.Sprintf("%v.%x", regarding.Name, now.UnixNano()), Namespace: namespace},
		EventTime:           metav1.MicroTime{Time: now},
		ReportingController: r.reportingController,
		ReportingInstance:   r.reportingInstance,
		Action:              action,
		Reason:              reason,
		Regarding:           *regarding,
		Note:                fmt.Sprintf(note, args...),
		Type:                eventtype,
	}
	select {
	case r.queue <- ev:
	default: // full: dropped, as client-go's broadcaster (watch.DropIfChannelFull) drops it
	}
}

func eventKeyOf(ev *eventsv1.Event) eventKey {
	k := eventKey{eventType: ev.Type, action: ev.Action, reason: ev.Reason, reportingController: ev.ReportingController,
		reportingInstance: ev.ReportingInstance, regarding: ev.Regarding}
	if ev.Related != nil {
		k.related = *ev.Related
	}
	return k
}

func (r *recorder) recordToSink(ctx context.Context, event *eventsv1.Event) {
	eventCopy := event.DeepCopy()
	go func() {
		evToRecord := func() *eventsv1.Event {
			r.mu.Lock()
			defer r.mu.Unlock()
			key := eventKeyOf(eventCopy)
			iso, ok := r.cache[key]
			if ok {
				if iso.Series != nil {
					iso.Series.Count++
					iso.Series.LastObservedTime = metav1.MicroTime{Time: time.Now()}
					return nil
				}
				iso.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.MicroTime{Time: time.Now()}}
				return iso.DeepCopy()
			}
			r.cache[key] = eventCopy
			return eventCopy.DeepCopy()
		}()
		if evToRecord != nil {
			r.attemptRecording(ctx, evToRecord)
		}
	}()
}

func (r *recorder) attemptRecording(ctx context.Context, event *eventsv1.Event) {
	tries := 0
	for {
		if _, retry := r.recordEvent(ctx, event); !retry {
			return
		}
		tries++
		if tries >= maxTriesPerEvent {
			klog.FromContext(ctx).Error(nil, "Unable to write event (retry limit exceeded!)", "event", event)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait.Jitter(r.sleep, 0.25)):
		}
	}
}

// recordEvent creates the Event, or patches its series; retry says whether
// to try again.
func (r *recorder) recordEvent(ctx context.Context, event *eventsv1.Event) (*eventsv1.Event, bool) {
	var newEvent *eventsv1.Event
	var err error
	isEventSeries := event.Series != nil
	if isEventSeries {
		// The strategic merge patch client-go computes between the Event
		// without and with its series is the series alone.
		patch, perr := json.Marshal(map[string]any{"series": event.Series})
		if perr != nil {
			klog.FromContext(ctx).Error(perr, "Unable to calculate diff, no merge is possible")
			return nil, false
		}
		newEvent, err = r.client.Events(event.Namespace).Patch(ctx, event.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	}
	if !isEventSeries || isKeyNotFound(err) {
		event.ResourceVersion = ""
		newEvent, err = r.client.Events(event.Namespace).Create(ctx, event, metav1.CreateOptions{})
	}
	if err == nil {
		return newEvent, false
	}
	switch err.(type) {
	case *rest.RequestConstructionError:
		klog.FromContext(ctx).Error(err, "Unable to construct event (will not retry!)", "event", event)
		return nil, false
	case *apierrors.StatusError:
		if apierrors.IsAlreadyExists(err) {
			if isEventSeries {
				return nil, true
			}
			klog.FromContext(ctx).V(5).Info("Server rejected event (will not retry!)", "event", event, "err", err)
		} else {
			klog.FromContext(ctx).Error(err, "Server rejected event (will not retry!)", "event", event)
		}
		return nil, false
	}
	klog.FromContext(ctx).Error(err, "Unable to write event (may retry after sleeping)")
	return nil, true
}

func (r *recorder) refreshExistingEventSeries(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, event := range r.cache {
		if event.Series != nil {
			if recorded, retry := r.recordEvent(ctx, event); !retry && recorded != nil {
				r.cache[key] = recorded
			}
		}
	}
}

func (r *recorder) finishSeries(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, event := range r.cache {
		if s := event.Series; s != nil {
			if s.LastObservedTime.Time.Before(time.Now().Add(-finishTime)) {
				if _, retry := r.recordEvent(ctx, event); !retry {
					delete(r.cache, key)
				}
			}
		} else if event.EventTime.Time.Before(time.Now().Add(-finishTime)) {
			delete(r.cache, key)
		}
	}
}

// isKeyNotFound is client-go's util.IsKeyNotFoundError: a 404 status.
func isKeyNotFound(err error) bool {
	statusErr, _ := err.(*apierrors.StatusError)
	return statusErr != nil && statusErr.Status().Code == http.StatusNotFound
}
