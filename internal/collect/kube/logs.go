package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Logs (scan --logs, dump --logs; issue 12): the recent log of each
// container of the pods being diagnosed, as `kubectl logs POD -c C --tail N
// --timestamps` prints it, and the previous instance's (`--previous`) of a
// container that restarted. Only the pods the CLI passes are read, never
// the cluster's.
//
// A log answered is kept only as far as LogOptions.Filter keeps it (the
// CLI keeps the entries the symptom catalogue matches with two lines
// around them, redacted: bundle.FilterLog); a log with nothing kept gives
// no capture. Errors:
//   - 403 (RBAC refuses get pods/log): one gap for the namespace, naming
//     LogsRole, and no more log of that namespace is asked for;
//   - 404 (the pod went away) and 400 (the container is not running yet,
//     or has no previous instance: "previous terminated container ... not
//     found"): the log does not exist, skipped without a gap;
//   - anything else (the kubelet unreachable, a timeout): a gap for that
//     container's log; the collection goes on.

// LogsRole is the ClusterRole of RBACFile that grants get on pods/log.
const LogsRole = "irsa-doctor-logs"

// Defaults of LogOptions.
const (
	// DefaultLogLimitBytes bounds one log's answer (kubectl logs
	// --limit-bytes): 1 MiB.
	DefaultLogLimitBytes = 1 << 20
	// DefaultMaxLogPods bounds the pods whose logs one run reads.
	DefaultMaxLogPods = 100
	// logParallel bounds the log requests in flight.
	logParallel = 4
)

// LogPod is a pod whose containers' logs are read.
type LogPod struct {
	Namespace, Name string
	Containers      []LogContainer
}

// LogContainer is one container of a LogPod.
type LogContainer struct {
	Name string
	// Restarted says that the container restarted (restartCount > 0): its
	// previous instance's log is read too.
	Restarted bool
}

// LogOptions say which lines of each log are read and what is kept.
type LogOptions struct {
	// TailLines is kubectl's --tail (0: not sent).
	TailLines int64
	// Since is kubectl's --since (0: not sent).
	Since time.Duration
	// LimitBytes is kubectl's --limit-bytes; 0 means DefaultLogLimitBytes.
	LimitBytes int64
	// MaxPods is how many pods' logs are read at most; 0 means
	// DefaultMaxLogPods. Past it, one gap says how many were not.
	MaxPods int
	// PerCallTimeout bounds each request; 0 means DefaultPerCallTimeout.
	PerCallTimeout time.Duration
	// Filter is what of a log is kept; nil keeps it whole. A log it
	// reduces to nothing gives no capture.
	Filter func([]byte) []byte
}

// LogPath is the path of a container's log capture in a dump, as bundle
// attributes it: logs/NAMESPACE/POD/CONTAINER.log, and
// CONTAINER.previous.log for the previous instance.
func LogPath(ns, pod, container string, previous bool) string {
	if previous {
		return "logs/" + ns + "/" + pod + "/" + container + ".previous.log"
	}
	return "logs/" + ns + "/" + pod + "/" + container + ".log"
}

// logJob is one log to read.
type logJob struct {
	ns, pod, container string
	previous           bool
}

func (j logJob) ref() string {
	r := "logs " + j.pod + " -n " + j.ns + " -c " + j.container
	if j.previous {
		r += " --previous"
	}
	return r
}

// CollectLogs reads the logs of pods' containers (sorted by namespace and
// name; at most MaxPods of them), logParallel at a time. It never fails:
// what cannot be read is a gap (see above). A ctx that ends stops it with
// what was read by then.
func CollectLogs(ctx context.Context, cs kubeclient.Interface, pods []LogPod, opts LogOptions) Result {
	if opts.LimitBytes <= 0 {
		opts.LimitBytes = DefaultLogLimitBytes
	}
	if opts.MaxPods <= 0 {
		opts.MaxPods = DefaultMaxLogPods
	}
	if opts.PerCallTimeout <= 0 {
		opts.PerCallTimeout = DefaultPerCallTimeout
	}
	pods = append([]LogPod(nil), pods...)
	sort.Slice(pods, func(i, j int) bool {
		return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name
	})
	var res Result
	if n := len(pods) - opts.MaxPods; n > 0 {
		what := fmt.Sprintf("%d pods", n)
		if n == 1 {
			what = "1 pod"
		}
		res.Gaps = append(res.Gaps, snapshot.Gap{Source: "kube", Operation: "get pods/log", Resource: what,
			Reason: fmt.Sprintf("--logs reads the logs of at most %d pods: those of %s more (%s/%s and after, by namespace and name) were not read; name the pods to read, e.g. irsa-doctor scan POD --logs",
				opts.MaxPods, what, pods[opts.MaxPods].Namespace, pods[opts.MaxPods].Name)})
		pods = pods[:opts.MaxPods]
	}
	var jobs []logJob
	for _, p := range pods {
		for _, c := range p.Containers {
			jobs = append(jobs, logJob{ns: p.Namespace, pod: p.Name, container: c.Name})
			if c.Restarted {
				jobs = append(jobs, logJob{ns: p.Namespace, pod: p.Name, container: c.Name, previous: true})
			}
		}
	}

	var (
		mu      sync.Mutex
		refused = map[string]bool{}
		caps    = make([]*bundle.Capture, len(jobs))
		gaps    = make([]*snapshot.Gap, len(jobs))
	)
	each(ctx, len(jobs), logParallel, func(i int) {
		j := jobs[i]
		mu.Lock()
		skip := refused[j.ns]
		mu.Unlock()
		if skip {
			return
		}
		data, err := readLog(ctx, cs, j, opts)
		switch {
		case err == nil:
			if opts.Filter != nil {
				data = opts.Filter(data)
			}
			if len(data) > 0 {
				caps[i] = &bundle.Capture{Path: LogPath(j.ns, j.pod, j.container, j.previous), Data: data,
					Source: snapshot.Source{Kind: "kube", Ref: j.ref()}}
			}
		case ctx.Err() != nil:
		case apierrors.IsForbidden(err):
			mu.Lock()
			if !refused[j.ns] {
				refused[j.ns] = true
				gaps[i] = &snapshot.Gap{Source: "kube", Operation: "get pods/log", Resource: "namespace " + j.ns,
					Reason: fmt.Sprintf("Forbidden: %s (grant it with %s's ClusterRole %s)", err.Error(), RBACFile, LogsRole)}
			}
			mu.Unlock()
		case apierrors.IsNotFound(err), apierrors.IsBadRequest(err):
			// No such log: the pod is gone, the container has not
			// started, or it has no previous instance.
		default:
			gaps[i] = &snapshot.Gap{Source: "kube", Operation: "get pods/log", Resource: "pod " + j.ns + "/" + j.pod + " container " + j.container,
				Reason: fmt.Sprintf("kubectl %s: %s", j.ref(), strings.TrimSpace(err.Error()))}
		}
	})
	got := gathered(caps, gaps)
	res.Captures = append(res.Captures, got.Captures...)
	res.Gaps = append(res.Gaps, got.Gaps...)
	return res
}

// each runs f(0..n-1) on at most limit goroutines, handing the indices
// out in order until ctx ends.
func each(ctx context.Context, n, limit int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(limit, n) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
}

// gathered is the captures and gaps jobs left (nil where none), in job
// order.
func gathered(caps []*bundle.Capture, gaps []*snapshot.Gap) Result {
	var res Result
	for i := range caps {
		if caps[i] != nil {
			res.Captures = append(res.Captures, *caps[i])
		}
		if gaps[i] != nil {
			res.Gaps = append(res.Gaps, *gaps[i])
		}
	}
	return res
}

// readLog is one GET .../pods/NAME/log.
func readLog(ctx context.Context, cs kubeclient.Interface, j logJob, opts LogOptions) ([]byte, error) {
	lo := &corev1.PodLogOptions{Container: j.container, Timestamps: true, Previous: j.previous, LimitBytes: &opts.LimitBytes}
	if opts.TailLines > 0 {
		lo.TailLines = &opts.TailLines
	}
	if opts.Since > 0 {
		// kubectl rounds --since up to whole seconds.
		s := int64((opts.Since + time.Second - 1) / time.Second)
		lo.SinceSeconds = &s
	}
	cctx, cancel := context.WithTimeout(ctx, opts.PerCallTimeout)
	defer cancel()
	// Stream, as kubectl logs does: an error answer is decoded to the
	// API's Status (DoRaw would say only "unknown").
	rc, err := cs.Pods(j.ns).GetLogs(j.pod, lo).Stream(cctx)
	if err == nil {
		defer rc.Close()
		var data []byte
		data, err = io.ReadAll(io.LimitReader(rc, opts.LimitBytes+1))
		if err == nil {
			return data, nil
		}
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, fmt.Errorf("no answer within %s: %w", opts.PerCallTimeout, err)
	}
	return nil, err
}
