package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
)

// Leader election (a coordination.k8s.io Lease in serve's own namespace):
// of several replicas, only the leader emits Events; every replica
// watches, diagnoses and serves its metrics.
//
// The elector below is client-go's tools/leaderelection (LeaderElector
// with a resourcelock.LeaseLock, ReleaseOnCancel), written again on
// kubeclient with the same Lease updates, timings and log lines:
// tools/leaderelection imports client-go's clientset and informers, which
// link every API group (about 12 MB of the binary; internal/kubeclient).
const (
	DefaultLeaseName     = "irsa-doctor-serve"
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// jitterFactor is client-go's leaderelection.JitterFactor.
const jitterFactor = 1.2

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
	lock := &leaseLock{client: s.opts.Kube, namespace: o.Namespace, name: o.Name, identity: o.Identity}
	for ctx.Err() == nil {
		le, err := newElector(lock, o, electorCallbacks{
			started: func(context.Context) {
				s.leader.Store(true)
				s.metrics.leader.Set(1)
				s.log.Info("leading: this replica emits the Events", "lease", o.Namespace+"/"+o.Name, "identity", o.Identity)
			},
			stopped: func() {
				s.leader.Store(false)
				s.metrics.leader.Set(0)
				s.log.Info("no longer leading", "lease", o.Namespace+"/"+o.Name, "identity", o.Identity)
			},
			newLeader: func(id string) {
				if id != o.Identity {
					s.log.Info("another replica leads", "leader", id)
				}
			},
		})
		if err != nil {
			s.log.Error("leader election", "error", err.Error())
			return
		}
		le.run(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(o.RetryPeriod):
		}
	}
}

// leaderRecord is client-go's resourcelock.LeaderElectionRecord, the
// Lease's spec as the elector reads and writes it.
type leaderRecord struct {
	HolderIdentity       string                                  `json:"holderIdentity"`
	LeaseDurationSeconds int                                     `json:"leaseDurationSeconds"`
	AcquireTime          metav1.Time                             `json:"acquireTime"`
	RenewTime            metav1.Time                             `json:"renewTime"`
	LeaderTransitions    int                                     `json:"leaderTransitions"`
	Strategy             coordinationv1.CoordinatedLeaseStrategy `json:"strategy"`
	PreferredHolder      string                                  `json:"preferredHolder"`
}

// leaseLock is client-go's resourcelock.LeaseLock.
type leaseLock struct {
	client                    kubeclient.Interface
	namespace, name, identity string
	lease                     *coordinationv1.Lease
}

func (l *leaseLock) describe() string { return l.namespace + "/" + l.name }

func (l *leaseLock) get(ctx context.Context) (*leaderRecord, []byte, error) {
	lease, err := l.client.Leases(l.namespace).Get(ctx, l.name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	l.lease = lease
	r := recordOf(&lease.Spec)
	raw, err := json.Marshal(*r)
	if err != nil {
		return nil, nil, err
	}
	return r, raw, nil
}

func (l *leaseLock) create(ctx context.Context, r leaderRecord) error {
	var err error
	l.lease, err = l.client.Leases(l.namespace).Create(ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: l.name, Namespace: l.namespace},
		Spec:       specOf(&r),
	}, metav1.CreateOptions{})
	return err
}

func (l *leaseLock) update(ctx context.Context, r leaderRecord) error {
	if l.lease == nil {
		return errors.New("lease not initialized, call get or create first")
	}
	l.lease.Spec = specOf(&r)
	lease, err := l.client.Leases(l.namespace).Update(ctx, l.lease, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	l.lease = lease
	return nil
}

func recordOf(spec *coordinationv1.LeaseSpec) *leaderRecord {
	var r leaderRecord
	if spec.HolderIdentity != nil {
		r.HolderIdentity = *spec.HolderIdentity
	}
	if spec.LeaseDurationSeconds != nil {
		r.LeaseDurationSeconds = int(*spec.LeaseDurationSeconds)
	}
	if spec.LeaseTransitions != nil {
		r.LeaderTransitions = int(*spec.LeaseTransitions)
	}
	if spec.AcquireTime != nil {
		r.AcquireTime = metav1.Time{Time: spec.AcquireTime.Time}
	}
	if spec.RenewTime != nil {
		r.RenewTime = metav1.Time{Time: spec.RenewTime.Time}
	}
	if spec.PreferredHolder != nil {
		r.PreferredHolder = *spec.PreferredHolder
	}
	if spec.Strategy != nil {
		r.Strategy = *spec.Strategy
	}
	return &r
}

func specOf(r *leaderRecord) coordinationv1.LeaseSpec {
	duration := int32(r.LeaseDurationSeconds)
	transitions := int32(r.LeaderTransitions)
	spec := coordinationv1.LeaseSpec{
		HolderIdentity:       &r.HolderIdentity,
		LeaseDurationSeconds: &duration,
		AcquireTime:          &metav1.MicroTime{Time: r.AcquireTime.Time},
		RenewTime:            &metav1.MicroTime{Time: r.RenewTime.Time},
		LeaseTransitions:     &transitions,
	}
	if r.PreferredHolder != "" {
		spec.PreferredHolder = &r.PreferredHolder
	}
	if r.Strategy != "" {
		spec.Strategy = &r.Strategy
	}
	return spec
}

type electorCallbacks struct {
	started   func(context.Context)
	stopped   func()
	newLeader func(identity string)
}

// elector is client-go's LeaderElector, without coordinated election.
type elector struct {
	lock *leaseLock
	o    LeaderOptions
	cb   electorCallbacks

	observedRawRecord []byte
	reportedLeader    string
	mu                sync.RWMutex
	observedRecord    leaderRecord
	observedTime      time.Time
}

func newElector(lock *leaseLock, o LeaderOptions, cb electorCallbacks) (*elector, error) {
	switch {
	case o.LeaseDuration <= o.RenewDeadline:
		return nil, errors.New("leaseDuration must be greater than renewDeadline")
	case o.RenewDeadline <= time.Duration(jitterFactor*float64(o.RetryPeriod)):
		return nil, errors.New("renewDeadline must be greater than retryPeriod*JitterFactor")
	case lock.identity == "":
		return nil, errors.New("lock identity is empty")
	}
	return &elector{lock: lock, o: o, cb: cb}, nil
}

// run acquires the Lease, then renews it until ctx ends or a renewal
// fails for RenewDeadline, then releases it.
func (le *elector) run(ctx context.Context) {
	defer le.cb.stopped()
	if !le.acquire(ctx) {
		return // ctx ended
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go le.cb.started(ctx)
	le.renew(ctx)
}

func (le *elector) isLeader() bool {
	le.mu.RLock()
	defer le.mu.RUnlock()
	return le.observedRecord.HolderIdentity == le.lock.identity
}

func (le *elector) acquire(ctx context.Context) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	succeeded := false
	desc := le.lock.describe()
	logger := klog.FromContext(ctx)
	logger.Info("Attempting to acquire leader lease...", "lock", desc)
	wait.JitterUntilWithContext(ctx, func(ctx context.Context) {
		succeeded = le.tryAcquireOrRenew(ctx)
		le.maybeReportTransition()
		if !succeeded {
			logger.V(4).Info("Failed to acquire lease", "lock", desc)
			return
		}
		logger.Info("Successfully acquired lease", "lock", desc)
		cancel()
	}, le.o.RetryPeriod, jitterFactor, true)
	return succeeded
}

func (le *elector) renew(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logger := klog.FromContext(ctx)
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		err := wait.PollUntilContextTimeout(ctx, le.o.RetryPeriod, le.o.RenewDeadline, true, func(ctx context.Context) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			return le.tryAcquireOrRenew(ctx), nil
		})
		le.maybeReportTransition()
		desc := le.lock.describe()
		if err == nil {
			logger.V(5).Info("Successfully renewed lease", "lock", desc)
			return
		}
		logger.Info("Failed to renew lease", "lock", desc, "err", err)
		cancel()
	}, le.o.RetryPeriod)
	le.release(logger)
}

// release gives the Lease up (ReleaseOnCancel), within RenewDeadline.
func (le *elector) release(logger klog.Logger) bool {
	ctx, cancel := context.WithTimeout(klog.NewContext(context.Background(), logger), le.o.RenewDeadline)
	defer cancel()
	return le.tryRelease(ctx)
}

func (le *elector) tryRelease(ctx context.Context) bool {
	logger := klog.FromContext(ctx)
	old, _, err := le.lock.get(ctx)
	if err != nil {
		if !apierrors.IsNotFound(err) {
			logger.Error(err, "error retrieving resource lock", "lock", le.lock.describe())
			return false
		}
		logger.Info("lease lock not found", "lock", le.lock.describe())
		return false
	}
	if !le.isLeader() {
		return true
	}
	now := metav1.NewTime(time.Now())
	r := leaderRecord{LeaderTransitions: old.LeaderTransitions, LeaseDurationSeconds: 1, RenewTime: now, AcquireTime: now}
	if err := le.lock.update(ctx, r); err != nil {
		if apierrors.IsConflict(err) {
			logger.V(4).Info("Conflict when releasing lease, retrying", "lock", le.lock.describe())
			return le.tryRelease(ctx)
		}
		logger.Error(err, "Failed to release lease", "lock", le.lock.describe())
		return false
	}
	le.setObservedRecord(&r)
	return true
}

func (le *elector) tryAcquireOrRenew(ctx context.Context) bool {
	logger := klog.FromContext(ctx)
	now := metav1.NewTime(time.Now())
	r := leaderRecord{
		HolderIdentity:       le.lock.identity,
		LeaseDurationSeconds: int(le.o.LeaseDuration / time.Second),
		RenewTime:            now,
		AcquireTime:          now,
	}
	// Fast path: the leader renews without reading the Lease first.
	if le.isLeader() && le.isLeaseValid(now.Time) {
		old := le.getObservedRecord()
		r.AcquireTime = old.AcquireTime
		r.LeaderTransitions = old.LeaderTransitions
		err := le.lock.update(ctx, r)
		if err == nil {
			le.setObservedRecord(&r)
			return true
		}
		logger.V(2).Info("Failed to update lease optimistically, falling back to slow path", "lock", le.lock.describe(), "err", err)
	}
	old, oldRaw, err := le.lock.get(ctx)
	if err != nil {
		if !apierrors.IsNotFound(err) {
			logger.Error(err, "Error retrieving lease lock", "lock", le.lock.describe())
			return false
		}
		if err = le.lock.create(ctx, r); err != nil {
			logger.Error(err, "Error initially creating lease lock", "lock", le.lock.describe())
			return false
		}
		le.setObservedRecord(&r)
		return true
	}
	if !bytes.Equal(le.observedRawRecord, oldRaw) {
		le.setObservedRecord(old)
		le.observedRawRecord = oldRaw
	}
	if len(old.HolderIdentity) > 0 && le.isLeaseValid(now.Time) && !le.isLeader() {
		logger.V(4).Info("Lease is held by and has not yet expired", "lock", le.lock.describe(), "holder", old.HolderIdentity)
		return false
	}
	if le.isLeader() {
		r.AcquireTime = old.AcquireTime
		r.LeaderTransitions = old.LeaderTransitions
	} else {
		r.LeaderTransitions = old.LeaderTransitions + 1
	}
	if err = le.lock.update(ctx, r); err != nil {
		logger.Error(err, "Failed to update lease", "lock", le.lock.describe())
		return false
	}
	le.setObservedRecord(&r)
	return true
}

func (le *elector) maybeReportTransition() {
	holder := le.getObservedRecord().HolderIdentity
	if holder == le.reportedLeader {
		return
	}
	le.reportedLeader = holder
	if le.cb.newLeader != nil {
		go le.cb.newLeader(holder)
	}
}

func (le *elector) isLeaseValid(now time.Time) bool {
	le.mu.RLock()
	defer le.mu.RUnlock()
	return le.observedTime.Add(time.Second * time.Duration(le.observedRecord.LeaseDurationSeconds)).After(now)
}

func (le *elector) setObservedRecord(r *leaderRecord) {
	le.mu.Lock()
	defer le.mu.Unlock()
	le.observedRecord = *r
	le.observedTime = time.Now()
}

func (le *elector) getObservedRecord() leaderRecord {
	le.mu.RLock()
	defer le.mu.RUnlock()
	return le.observedRecord
}
