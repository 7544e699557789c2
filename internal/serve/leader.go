package serve

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Leader election (client-go leaderelection, a coordination.k8s.io Lease
// in serve's own namespace): of several replicas, only the leader emits
// Events; every replica watches, diagnoses and serves its metrics.
const (
	DefaultLeaseName     = "irsa-doctor-serve"
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// LeaderOptions configure the election.
type LeaderOptions struct {
	// Namespace and Name of the Lease; Identity this replica's (its pod's
	// name).
	Namespace, Name, Identity                 string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// lead runs the election until ctx ends, setting s.leader while this
// replica holds the Lease, and standing again whenever it loses it.
func (s *Server) lead(ctx context.Context, o LeaderOptions) {
	if o.Name == "" {
		o.Name = DefaultLeaseName
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = DefaultLeaseDuration
	}
	if o.RenewDeadline <= 0 {
		o.RenewDeadline = DefaultRenewDeadline
	}
	if o.RetryPeriod <= 0 {
		o.RetryPeriod = DefaultRetryPeriod
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name},
		Client:     s.opts.Kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: o.Identity},
	}
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: lock, LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod,
			ReleaseOnCancel: true, Name: o.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) {
					s.leader.Store(true)
					s.metrics.leader.Set(1)
					s.log.Info("leading: this replica emits the Events", "lease", o.Namespace+"/"+o.Name, "identity", o.Identity)
				},
				OnStoppedLeading: func() {
					s.leader.Store(false)
					s.metrics.leader.Set(0)
					s.log.Info("no longer leading", "lease", o.Namespace+"/"+o.Name, "identity", o.Identity)
				},
				OnNewLeader: func(id string) {
					if id != o.Identity {
						s.log.Info("another replica leads", "leader", id)
					}
				},
			},
		})
		if err != nil {
			s.log.Error("leader election", "error", err.Error())
			return
		}
		le.Run(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(o.RetryPeriod):
		}
	}
}
