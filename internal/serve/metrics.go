package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are serve's Prometheus metrics (docs/contract.md "serve:
// metrics"), in a registry of their own: nothing else registers in it,
// and nothing of serve's is in the global default. No label holds a pod
// name.
type Metrics struct {
	Registry *prometheus.Registry

	duration    prometheus.Histogram
	awsCalls    *prometheus.CounterVec
	kubeEvents  *prometheus.CounterVec
	lastFull    prometheus.Gauge
	rediagnosed prometheus.Counter
	fulls       prometheus.Counter
	events      *prometheus.CounterVec
	leader      prometheus.Gauge
}

var (
	findingsDesc = prometheus.NewDesc("irsa_doctor_findings",
		"Distinct subjects failing a check, by check, slug, severity, namespace and the subject's kind.",
		[]string{"check", "slug", "severity", "namespace", "kind"}, nil)
	targetsDesc = prometheus.NewDesc("irsa_doctor_targets",
		"Targets diagnosed, by namespace, mechanism and state (healthy, failing, unknown).",
		[]string{"namespace", "mechanism", "state"}, nil)
)

// NewMetrics registers serve's metrics, the gauges of findings and
// targets read from state at each scrape.
func NewMetrics(state *State, version string) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "irsa_doctor_diagnosis_duration_seconds",
			Help:    "Time to diagnose, a full diagnosis or the targets an event touched.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irsa_doctor_aws_calls_total",
			Help: "AWS API calls, by operation (iam:GetRole) and outcome (success, not_found, denied, throttled, error, canceled)."},
			[]string{"operation", "outcome"}),
		kubeEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irsa_doctor_kube_events_total",
			Help: "Watch events received, by the object's kind."}, []string{"kind"}),
		lastFull: prometheus.NewGauge(prometheus.GaugeOpts{Name: "irsa_doctor_last_full_diagnosis_timestamp_seconds",
			Help: "When the last full diagnosis finished, in seconds since the epoch."}),
		rediagnosed: prometheus.NewCounter(prometheus.CounterOpts{Name: "irsa_doctor_rediagnosed_targets_total",
			Help: "Targets re-diagnosed because an event touched them (full diagnoses are not counted)."}),
		fulls: prometheus.NewCounter(prometheus.CounterOpts{Name: "irsa_doctor_full_diagnoses_total",
			Help: "Full diagnoses: at start, at each --resync, after each AWS refresh, and after a change that concerns every target."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irsa_doctor_events_emitted_total",
			Help: "Kubernetes Events emitted, by type (Warning, Normal; dropped: over the rate limit)."}, []string{"type"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "irsa_doctor_leader",
			Help: "1 while this replica holds the leader Lease (and so emits the Events), else 0."}),
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "irsa_doctor_info", Help: "The running irsa-doctor's version."}, []string{"version"})
	info.WithLabelValues(version).Set(1)
	m.Registry.MustRegister(m.duration, m.awsCalls, m.kubeEvents, m.lastFull, m.rediagnosed, m.fulls, m.events, m.leader, info,
		stateCollector{state},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// stateCollector reports the gauges of the current state at each scrape,
// from one consistent look at it.
type stateCollector struct{ s *State }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- findingsDesc
	ch <- targetsDesc
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	findings, targets := c.s.Aggregate()
	for l, n := range findings {
		ch <- prometheus.MustNewConstMetric(findingsDesc, prometheus.GaugeValue, float64(n), l.Check, l.Slug, l.Severity, l.Namespace, l.Kind)
	}
	for l, n := range targets {
		ch <- prometheus.MustNewConstMetric(targetsDesc, prometheus.GaugeValue, float64(n), l.Namespace, l.Mechanism, l.State)
	}
}
