package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// hostile is markup a bundle may carry in any string. Had the report let
// it through, the img's onerror or the script would set the page's title
// and window.__pwned, and the img would request file .../x.
const hostile = `<img src=x onerror="document.title='pwned';window.__pwned=1"><script>window.__pwned=2;document.title='pwned'</script>`

// chromium finds the browser: IRSA_DOCTOR_CHROMIUM (the Makefile exports
// `command -v chromium`), else chromium on PATH. CI must run this test, so
// there a missing browser fails; elsewhere the test is skipped.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("IRSA_DOCTOR_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path != "" {
		return path
	}
	const how = "no Chromium: install Debian's (apt-get install -y --no-install-recommends chromium) or set IRSA_DOCTOR_CHROMIUM to a Chromium or Chrome binary"
	if os.Getenv("CI") != "" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// artifactDir is where the screenshots are kept: $IRSA_DOCTOR_ARTIFACTS
// (CI collects it), else a fixed folder under the temporary directory so
// that a developer finds the latest one.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("IRSA_DOCTOR_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "irsa-doctor-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact folder: %v", err)
	}
	return dir
}

// page is one report opened in its own tab, with everything the tab
// requested, logged and threw.
type page struct {
	ctx context.Context
	url string

	mu         sync.Mutex
	requests   []string
	errors     []string // console.error/assert, log entries at level error (CSP violations among them)
	exceptions []string
}

func openPage(t *testing.T, browser context.Context, file string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	p := &page{ctx: ctx, url: (&url.URL{Scheme: "file", Path: file}).String()}
	err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			p.requests = append(p.requests, ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == "error" || ev.Type == "assert" {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.errors = append(p.errors, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			p.exceptions = append(p.exceptions, msg)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				p.errors = append(p.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	for _, enable := range []func() error{
		func() error { _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); return err },
		func() error { _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); return err },
		func() error { _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); return err },
	} {
		if err := enable(); err != nil {
			t.Fatalf("enable a protocol domain: %v", err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(p.url), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatalf("open %s: %v", p.url, err)
	}
	return p
}

// eval runs a script in the page and decodes its value.
func eval[T any](t *testing.T, p *page, js string) T {
	t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// clean asserts the page requested nothing but itself, and logged no error
// and threw no exception.
func (p *page) clean(t *testing.T) {
	t.Helper()
	if dup := eval[[]string](t, p, `(() => {
		const seen = new Set(), dup = [];
		for (const e of document.querySelectorAll('[id]')) { if (seen.has(e.id)) dup.push(e.id); seen.add(e.id); }
		return dup;
	})()`); len(dup) > 0 {
		t.Errorf("ids used twice: %q", dup)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.requests {
		if u != p.url {
			t.Errorf("the report requested %s; it must request nothing", u)
		}
	}
	if len(p.requests) == 0 {
		t.Error("no request seen at all: the network listener is not working")
	}
	for _, e := range p.errors {
		t.Errorf("console error: %s", e)
	}
	for _, e := range p.exceptions {
		t.Errorf("exception: %s", e)
	}
}

func (p *page) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
}

// TestHTMLInBrowser opens reports in headless Chromium: the example's, and
// one of a bundle with markup in an annotation and in a policy Sid and a
// second namespace.
func TestHTMLInBrowser(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	exampleFile := filepath.Join(dir, "trust-subject-mismatch.html")
	if err := os.WriteFile(exampleFile, analyze(t, exampleDir, "html"), 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := hostileBundle(t)
	hostileFile := filepath.Join(dir, "hostile.html")
	if err := os.WriteFile(hostileFile, analyze(t, bundle, "html"), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Headless,
		chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}

	// The listeners themselves: a page that requests an image, logs an
	// error and throws must be caught by each, or the assertions below
	// prove nothing.
	t.Run("canary", func(t *testing.T) {
		file := filepath.Join(dir, "canary.html")
		canary := `<!DOCTYPE html><title>canary</title><img src="http://127.0.0.1:9/canary.png">` +
			`<script>console.error("canary-error")</script><script>throw new Error("canary-exception")</script><footer></footer>`
		if err := os.WriteFile(file, []byte(canary), 0o644); err != nil {
			t.Fatal(err)
		}
		p := openPage(t, browser, file)
		time.Sleep(300 * time.Millisecond)
		p.mu.Lock()
		defer p.mu.Unlock()
		if !slices.Contains(p.requests, "http://127.0.0.1:9/canary.png") {
			t.Errorf("the image request was not seen: %q", p.requests)
		}
		if !strings.Contains(strings.Join(p.errors, "\n"), "canary-error") {
			t.Errorf("console.error was not seen: %q", p.errors)
		}
		if !strings.Contains(strings.Join(p.exceptions, "\n"), "canary-exception") {
			t.Errorf("the exception was not seen: %q", p.exceptions)
		}
	})

	t.Run("example", func(t *testing.T) {
		p := openPage(t, browser, exampleFile)
		p.screenshot(t, "report.png")

		// The broken link: the role box, red, with the check that broke it.
		role := eval[map[string]string](t, p, `(() => {
			const n = document.querySelector('.chain-card .node[data-node="role"]');
			return {class: n.className, text: n.textContent};
		})()`)
		if !strings.Contains(" "+role["class"]+" ", " fail ") || !strings.Contains(role["text"], "IRSA205") {
			t.Errorf("role box: class %q, text %q; want class fail and IRSA205", role["class"], role["text"])
		}
		if n := eval[int](t, p, `document.querySelectorAll('.chain-card .node.fail').length`); n != 1 {
			t.Errorf("%d broken boxes in the example's chain, want 1 (the role)", n)
		}

		// Each copy button copies a command exactly as fix.sh has it.
		res := analyzeResult(t, exampleDir)
		var script []string
		for _, f := range res.Findings {
			if f.CheckID == "IRSA205" && f.Status == finding.StatusFail {
				script = f.Fix.Script()
			}
		}
		if len(script) == 0 {
			t.Fatal("the example has no IRSA205 fix")
		}
		payloads := eval[[]string](t, p, `Array.from(document.querySelectorAll('button.copy:not(.copy-all)')).map(b => JSON.parse(b.getAttribute('data-copy')))`)
		// "copy all" copies the fix as it pastes into a shell: the
		// text report's lines, the guard function defined first.
		var fix *finding.Fix
		for _, f := range res.Findings {
			if f.CheckID == "IRSA205" && f.Status == finding.StatusFail {
				fix = f.Fix
			}
		}
		all := eval[[]string](t, p, `Array.from(document.querySelectorAll('button.copy-all')).map(b => JSON.parse(b.getAttribute('data-copy')))`)
		if want := strings.Join(report.Pasteable(fix), "\n") + "\n"; len(all) != 1 || all[0] != want {
			t.Errorf("copy all: %q, want %q", all, want)
		}
		update := script[len(script)-1]
		if !strings.HasPrefix(update, "aws iam update-assume-role-policy ") || !slices.Contains(payloads, update) {
			t.Errorf("no copy button copies the fix.sh line %q; payloads:\n%s", update, strings.Join(payloads, "\n---\n"))
		}
		// The corrected policy's here-document is copied whole, from its
		// cat line to its delimiter.
		end := slices.Index(script, "IRSA_DOCTOR_EOF")
		if heredoc := strings.Join(script[:end+1], "\n"); end < 0 || !slices.Contains(payloads, heredoc) {
			t.Errorf("no copy button copies the here-document:\n%s", heredoc)
		}
		// The severity filter: the example fails with an error only.
		sevRows := func(sev string) int {
			t.Helper()
			arg, _ := json.Marshal(sev)
			return eval[int](t, p, `(() => {
				const s = document.getElementById('filter-severity');
				s.value = `+string(arg)+`;
				s.dispatchEvent(new Event('change'));
				return Array.from(document.querySelectorAll('#summary tbody tr, #findings .finding')).filter(e => e.offsetParent !== null).length;
			})()`)
		}
		if n := sevRows("warning"); n != 0 {
			t.Errorf("severity warning: %d rows and findings shown, want 0", n)
		}
		if n := sevRows("error"); n != 4 {
			t.Errorf("severity error: %d rows and findings shown, want 4 (3 rows, 1 finding)", n)
		}
		sevRows("")

		// Clicking copies without an error, whether or not the headless
		// browser grants the clipboard (the fallback takes over).
		if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(`button.copy`))); err != nil {
			t.Fatalf("click copy: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
		p.clean(t)
	})

	// Several clusters on one page: one section each, unique ids, the
	// script and style admitted by the same policy, the filters working
	// across the clusters.
	t.Run("clusters", func(t *testing.T) {
		var page bytes.Buffer
		if err := report.WriteClusters(&page, report.SARIFClustersFixture(), report.Options{Format: report.FormatHTML}); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "clusters.html")
		if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		p := openPage(t, browser, file)
		if n := eval[int](t, p, `document.querySelectorAll('section.cluster').length`); n != 2 {
			t.Errorf("%d cluster sections, want 2", n)
		}
		shown := func(sev string) string {
			t.Helper()
			arg, _ := json.Marshal(sev)
			return eval[string](t, p, `(() => {
				const s = document.getElementById('filter-severity');
				s.value = `+string(arg)+`;
				s.dispatchEvent(new Event('change'));
				return document.getElementById('filter-shown').textContent;
			})()`)
		}
		// The findings the filter counts: those not folded in a details
		// (skipped, ignored), of every cluster.
		all := eval[int](t, p, `Array.from(document.querySelectorAll('section.cluster .finding')).filter(e => e.closest('details') === null).length`)
		if got, want := shown("info"), fmt.Sprintf(" of %d findings shown", all); all == 0 || !strings.HasSuffix(got, want) {
			t.Errorf("severity info: %q, want a count of the %d findings of both clusters", got, all)
		}
		shown("")
		p.clean(t)
	})

	t.Run("hostile", func(t *testing.T) {
		p := openPage(t, browser, hostileFile)
		p.screenshot(t, "report-hostile.png")

		if title := eval[string](t, p, `document.title`); title != "irsa-doctor report: prod-eu" {
			t.Errorf("document.title = %q: markup from the bundle ran", title)
		}
		if pwned := eval[bool](t, p, `window.__pwned !== undefined`); pwned {
			t.Error("window.__pwned is set: markup from the bundle ran")
		}
		if n := eval[int](t, p, `document.querySelectorAll('img, main script, iframe, object, embed').length`); n != 0 {
			t.Errorf("%d elements from the bundle's markup in the page", n)
		}
		// The markup is shown as text, where the reader can see it: the
		// annotation's in IRSA103's message, the Sid's in IRSA205's.
		text := eval[string](t, p, `document.body.innerText`)
		for _, want := range []string{`role/<img src=x onerror=`, `statement "<img src=x onerror=`} {
			if !strings.Contains(text, want) {
				t.Errorf("the page does not show %q as text", want)
			}
		}

		// The namespace filter: choosing billing leaves exactly billing's
		// rows, then all namespaces brings every row back.
		rows := `Array.from(document.querySelectorAll('#summary tbody tr')).filter(r => r.offsetParent !== null).map(r => r.cells[1].textContent)`
		all := eval[[]string](t, p, rows)
		choose := func(ns string) []string {
			t.Helper()
			// An option's value is its namespace JSON-encoded; "" is all.
			value := ""
			if ns != "" {
				b, _ := json.Marshal(ns)
				value = string(b)
			}
			arg, _ := json.Marshal(value)
			if !eval[bool](t, p, `(() => {
				const s = document.getElementById('filter-namespace');
				s.value = `+string(arg)+`;
				s.dispatchEvent(new Event('change'));
				return s.value === `+string(arg)+`;
			})()`) {
				t.Fatalf("the namespace filter has no option for %q", ns)
			}
			return eval[[]string](t, p, rows)
		}
		if got, want := choose("billing"), []string{"Pod billing/reports-5d8c7"}; !cmp.Equal(got, want) {
			t.Errorf("namespace billing: rows %q, want %q", got, want)
		}
		if got, want := choose("payments"), []string{"Deployment payments/api", "Pod payments/api-7d9f8b6c5-q8w3z", "Pod payments/api-7d9f8b6c5-x2k4p"}; !cmp.Equal(got, want) {
			t.Errorf("namespace payments: rows %q, want %q", got, want)
		}
		// Findings follow the filter too: none of billing's shows under
		// payments.
		visible := eval[[]string](t, p, `Array.from(document.querySelectorAll('#findings .finding')).filter(f => f.offsetParent !== null).map(f => f.getAttribute('data-ns'))`)
		for _, ns := range visible {
			if strings.Contains(ns, "billing") && !strings.Contains(ns, "payments") {
				t.Errorf("a finding of %s is shown with the payments filter", ns)
			}
		}
		if got := choose(""); !cmp.Equal(got, all) {
			t.Errorf("all namespaces: rows %q, want every row %q", got, all)
		}
		p.clean(t)
	})
}

// hostileBundle is the example with markup in the role's Sid, and a second
// namespace whose ServiceAccount's role annotation is markup.
func hostileBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(exampleDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		docs[e.Name()] = doc
	}
	role := docs["role.json"]["Role"].(map[string]any)
	stmt := role["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	stmt["Sid"] = hostile

	items := func(name string) []any { return docs[name]["items"].([]any) }
	sa := map[string]any{
		"apiVersion": "v1", "kind": "ServiceAccount",
		"metadata": map[string]any{
			"name": "reports", "namespace": "billing",
			"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/" + hostile},
		},
	}
	docs["serviceaccounts.json"]["items"] = append(items("serviceaccounts.json"), sa)

	// A pod in billing: the example's first pod, moved, without its owner.
	var pod map[string]any
	b, _ := json.Marshal(items("pods.json")[0])
	if err := json.Unmarshal(b, &pod); err != nil {
		t.Fatal(err)
	}
	meta := pod["metadata"].(map[string]any)
	meta["name"], meta["namespace"], meta["uid"] = "reports-5d8c7", "billing", "0b9f6f0e-1111-4c1e-9d55-7a0c2a51e001"
	delete(meta, "ownerReferences")
	delete(meta, "generateName")
	meta["labels"] = map[string]any{"app": "reports"}
	spec := pod["spec"].(map[string]any)
	spec["serviceAccount"], spec["serviceAccountName"] = "reports", "reports"
	docs["pods.json"]["items"] = append(items("pods.json"), pod)

	for _, name := range slices.Sorted(maps.Keys(docs)) {
		b, err := json.MarshalIndent(docs[name], "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
