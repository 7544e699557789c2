//go:build unix

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/irsa-doctor/irsa-doctor/internal/collect/kube"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// The shape of the live benchmark's cluster (issue 14): 10,000 pods in 50
// namespaces, 40 annotated ServiceAccounts each (2,000), over 500 distinct
// roles (each role is shared by 4 ServiceAccounts in 4 namespaces).
const (
	benchNamespaces = 50
	benchSAsPerNS   = 40
	benchPodsPerSA  = 5
	benchRoles      = 500
)

// BenchmarkLiveScan measures, in one run and interleaved, (a) listing what
// `scan -A` lists with client-go alone (typed Lists, the collector's page
// size, the same bound of Lists in flight, a client made from the same
// kubeconfig the way the CLI makes it) and (b) the whole `scan -A -o json`
// through Main, against a real kube-apiserver loaded with 10,000 pods that
// the test webhook mutated (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the
// aws-iam-token volume) and the AWS fake. It reports the medians of each
// (list-ms, scan-ms), their ratio (scan/list), the CPU this process spent
// in each (the AWS fake and the webhook run in it too: their CPU is in
// scan-cpu-ms), and the AWS calls of one scan.
//
// b.Loop runs the setup once (30-40 s on 2 cores: the cluster, then 10,000
// pods through admission). `make bench-live` runs it. With
// IRSA_DOCTOR_BENCH_SCAN_OUT=FILE it writes the first scan's stdout to FILE
// (to compare the output of two builds on the same objects).
func BenchmarkLiveScan(b *testing.B) {
	bins, err := testenv.FindBinaries()
	if errors.Is(err, testenv.ErrNoBinaries) {
		// Only without IRSA_DOCTOR_TEST_BIN: FindBinaries returns a plain
		// error, which fails below, when it is set and incomplete.
		b.Skipf("live benchmark skipped: %v", err)
	}
	if err != nil {
		b.Fatalf("live benchmark: %v", err)
	}
	// A fixed issuer ID, so that two runs (two builds) print the same
	// issuer.
	c, err := testenv.Start(bins, testenv.Options{IssuerID: "0123456789ABCDEF0123456789ABCDEF"})
	if err != nil {
		b.Fatalf("start cluster: %v", err)
	}
	b.Cleanup(c.Stop)

	start := time.Now()
	fake := loadBenchCluster(b, c)
	b.Logf("loaded %d pods, %d service accounts, %d roles in %s", benchNamespaces*benchSAsPerNS*benchPodsPerSA,
		benchNamespaces*benchSAsPerNS, benchRoles, time.Since(start).Round(time.Millisecond))

	kubeconfig := c.Admin.KubeconfigIn(b, "")
	e := &e2e{c: c, aws: fake, kubeconfig: kubeconfig}
	args := []string{"scan", "-A", "-o", "json", "--cluster", e2eCluster, "--kubeconfig", kubeconfig, "--context", testenv.ContextName}

	// The baseline's client is the CLI's: the kubeconfig loaded by the
	// program's loader, copied with restCopy (so the same client-side
	// rate limit applies to both).
	cc, err := systemLiveDeps().KubeConfig(kubeconfig, testenv.ContextName)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		b.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(restCopy(cfg, 30*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	// The same Lists without client-side rate limiting: how much of both
	// is client-go's default 5 requests/s (burst 10) waiting.
	fast := restCopy(cfg, 30*time.Second)
	fast.QPS, fast.Burst = -1, 0
	csFast, err := kubernetes.NewForConfig(fast)
	if err != nil {
		b.Fatal(err)
	}

	var (
		list, listFast, scan          []time.Duration
		listCPU, listFastCPU, scanCPU []time.Duration
		awsCalls                      map[string]int
		items                         int
		i                             int
	)
	// Each measurement runs under a pprof label (op=list, op=list-noqps,
	// op=scan), which the goroutines it starts inherit: with -cpuprofile,
	// `go tool pprof -tagfocus op=scan` is the scan alone, without the
	// setup's admission of 10,000 pods through the in-process webhook.
	timed := func(op string, f func()) (wall, cpu time.Duration) {
		c0, t0 := processCPU(), time.Now()
		pprof.Do(context.Background(), pprof.Labels("op", op), func(context.Context) { f() })
		return time.Since(t0), processCPU() - c0
	}
	runList := func() {
		w, u := timed("list", func() { items = benchList(b, cs) })
		list, listCPU = append(list, w), append(listCPU, u)
	}
	runListFast := func() {
		w, u := timed("list-noqps", func() { benchList(b, csFast) })
		listFast, listFastCPU = append(listFast, w), append(listFastCPU, u)
	}
	runScan := func() {
		fake.Reset()
		var out, errOut bytes.Buffer
		var code int
		w, u := timed("scan", func() { code = Main(args, e.deps(&out, &errOut)) })
		scan, scanCPU = append(scan, w), append(scanCPU, u)
		if code != ExitOK && code != ExitFindings {
			b.Fatalf("scan: exit %d, stderr %s", code, errOut.String())
		}
		if awsCalls == nil {
			awsCalls = fake.Calls()
			if p := os.Getenv("IRSA_DOCTOR_BENCH_SCAN_OUT"); p != "" {
				if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("scan: %d bytes of JSON, exit %d", out.Len(), code)
		}
	}
	for b.Loop() {
		// Turns: each goes first as often as the others, so that neither
		// gains from the other's warm caches or pays for its garbage.
		order := []func(){runList, runListFast, runScan}
		for k := 0; k < i%3; k++ {
			order = append(order[1:], order[0])
		}
		for _, f := range order {
			f()
		}
		i++
	}
	b.StopTimer()

	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(median(list)), "list-ms")
	b.ReportMetric(ms(median(listFast)), "list-noqps-ms")
	b.ReportMetric(ms(median(scan)), "scan-ms")
	b.ReportMetric(float64(median(scan))/float64(median(list)), "scan/list")
	b.ReportMetric(ms(median(listCPU)), "list-cpu-ms")
	b.ReportMetric(ms(median(listFastCPU)), "list-noqps-cpu-ms")
	b.ReportMetric(ms(median(scanCPU)), "scan-cpu-ms")
	b.ReportMetric(float64(items), "items")
	total := 0
	for _, n := range awsCalls {
		total += n
	}
	b.ReportMetric(float64(total), "aws-calls")
	b.ReportMetric(float64(awsCalls["iam:GetRole"]), "iam-getrole-calls")
	b.Logf("list %v", list)
	b.Logf("list without rate limit %v", listFast)
	b.Logf("scan %v", scan)
	b.Logf("AWS calls of one scan: %v", awsCalls)
	want := map[string]int{
		"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "eks:ListPodIdentityAssociations": 1,
		"iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1, "iam:GetRole": benchRoles,
	}
	for k, n := range want {
		if awsCalls[k] != n {
			b.Errorf("%s called %d times, want %d (one per distinct role or provider)", k, awsCalls[k], n)
		}
	}
	for k := range awsCalls {
		if _, ok := want[k]; !ok {
			b.Errorf("unexpected AWS call %s (%d times)", k, awsCalls[k])
		}
	}
}

// loadBenchCluster creates the namespaces, the ServiceAccounts and the
// pods (through the test webhook, so they are mutated as on EKS) with
// client-go, concurrently, and returns an AWS fake holding the 500 roles,
// whose trust policies admit their 4 ServiceAccounts each, and the
// cluster's provider.
func loadBenchCluster(b testing.TB, c *testenv.Cluster) *awsfake.Fake {
	b.Helper()
	ns := func(i int) string { return fmt.Sprintf("bench-%02d", i) }
	sa := func(j int) string { return fmt.Sprintf("sa-%02d", j) }
	// ServiceAccount number g (of 2,000) assumes role g % 500.
	roleName := func(g int) string { return fmt.Sprintf("bench-role-%03d", g%benchRoles) }
	subs := map[string][]string{}
	for i := range benchNamespaces {
		c.CreateNamespace(b, ns(i), nil)
		for j := range benchSAsPerNS {
			g := i*benchSAsPerNS + j
			subs[roleName(g)] = append(subs[roleName(g)], "system:serviceaccount:"+ns(i)+":"+sa(j))
		}
	}
	hp := e2eIssuerHostPath(c)
	var roles []awsfake.Role
	for name, sub := range subs {
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + e2eProviderARN(c) + `"},` +
			`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + hp + `:sub":["` + strings.Join(sub, `","`) + `"],"` +
			hp + `:aud":"` + webhook.DefaultAudience + `"}}}]}`
		roles = append(roles, awsfake.Role{ARN: e2eRoleARN(name), TrustPolicy: policy})
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].ARN < roles[j].ARN })
	fake := awsfake.New(b, awsfake.State{
		Roles:     roles,
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
		Clusters:  []awsfake.Cluster{{Name: e2eCluster, Endpoint: c.Host, Issuer: c.Issuer}},
	})
	c.StartWebhook(b, testenv.WebhookOptions{})

	cs := c.Admin.Client
	err := parallelDo(16, benchNamespaces*benchSAsPerNS, func(ctx context.Context, g int) error {
		i, j := g/benchSAsPerNS, g%benchSAsPerNS
		_, err := cs.CoreV1().ServiceAccounts(ns(i)).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
			Name: sa(j), Annotations: map[string]string{webhook.AnnotationRoleARN: e2eRoleARN(roleName(g))},
		}}, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		b.Fatalf("create service accounts: %v", err)
	}
	err = parallelDo(16, benchNamespaces*benchSAsPerNS*benchPodsPerSA, func(ctx context.Context, p int) error {
		g := p / benchPodsPerSA
		i, j := g/benchSAsPerNS, g%benchSAsPerNS
		pod := e2ePod(fmt.Sprintf("%s-%d", sa(j), p%benchPodsPerSA), sa(j))
		_, err := cs.CoreV1().Pods(ns(i)).Create(ctx, pod, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		b.Fatalf("create pods: %v", err)
	}
	return fake
}

// parallelDo runs f(0..n-1) on workers goroutines; the first error stops
// the rest.
func parallelDo(workers, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	work := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range workers {
		wg.Go(func() {
			for i := range work {
				if err := f(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("item %d: %w", i, err)
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return first
}

// benchList lists, with typed client-go Lists and nothing else, what
// `scan -A` lists (internal/collect/kube kinds.go): the server version,
// the eight namespaced kinds across all namespaces and the three
// cluster-scoped kinds, each paginated with kube.DefaultPageSize, at most
// 4 Lists in flight as the collector does. It returns the items listed.
func benchList(b *testing.B, cs kubernetes.Interface) int {
	b.Helper()
	type lister func(ctx context.Context, o metav1.ListOptions) (int, string, error)
	listers := []lister{
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.CoreV1().Pods("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.CoreV1().ServiceAccounts("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.AppsV1().Deployments("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.AppsV1().StatefulSets("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.AppsV1().DaemonSets("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.AppsV1().ReplicaSets("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.BatchV1().Jobs("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.BatchV1().CronJobs("").List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.CoreV1().Namespaces().List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
		func(ctx context.Context, o metav1.ListOptions) (int, string, error) {
			l, err := cs.CoreV1().Nodes().List(ctx, o)
			if err != nil {
				return 0, "", err
			}
			return len(l.Items), l.Continue, nil
		},
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		b.Fatalf("server version: %v", err)
	}
	counts := make([]int, len(listers))
	err := parallelDo(4, len(listers), func(ctx context.Context, k int) error {
		o := metav1.ListOptions{Limit: kube.DefaultPageSize}
		for {
			n, cont, err := listers[k](ctx, o)
			if err != nil {
				return err
			}
			counts[k] += n
			if cont == "" {
				return nil
			}
			o.Continue = cont
		}
	})
	if err != nil {
		b.Fatalf("list: %v", err)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	return total
}

// median of ds (the upper one of an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
