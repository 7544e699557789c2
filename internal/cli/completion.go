package cli

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// Shell completion (cobra's __complete protocol: one candidate a line,
// "VALUE\tDESCRIPTION", then ":DIRECTIVE"). Candidates are filtered by the
// word being completed here rather than left to the shell, so that every
// shell gets the same list.

// completeExplain offers every check's ID and slug, and the topics, each
// with its title.
func completeExplain(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, c := range check.All {
		out = appendMatch(out, toComplete, c.ID, c.Title)
		out = appendMatch(out, toComplete, c.Slug, c.Title)
	}
	out = appendMatch(out, toComplete, sdkVersionsTopic, "Minimum AWS SDK versions for IRSA and EKS Pod Identity")
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeChecks completes the last item of --checks' comma-separated list
// with an ID or slug, or its '-' form that excludes it, leaving out the
// checks the list already names. No space follows: another comma may.
func completeChecks(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	done, part := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done, part = toComplete[:i+1], toComplete[i+1:]
	}
	named := map[string]bool{}
	for _, item := range strings.Split(done, ",") {
		if c := check.ByIDOrSlug(strings.TrimPrefix(strings.TrimSpace(item), "-")); c != nil {
			named[c.ID] = true
		}
	}
	prefix := ""
	if strings.HasPrefix(part, "-") {
		prefix, part = "-", part[1:]
	}
	var out []string
	for _, c := range check.All {
		if named[c.ID] {
			continue
		}
		for _, name := range []string{c.ID, c.Slug} {
			if hasPrefixFold(name, part) {
				out = append(out, done+prefix+name+"\t"+c.Title)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// registerBundleCompletion completes analyze's target flags from the
// bundle its PATH arguments name, read as analyze reads it. Reading is
// quiet: an unreadable bundle gives no candidates, never a message in the
// middle of the user's command line. Standard input ("-") is not read: it
// is the user's terminal while they type.
func registerBundleCompletion(cmd *cobra.Command) {
	complete := func(list func(s *snapshot.Snapshot, ns string) []string) cobra.CompletionFunc {
		return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			s := readForCompletion(cmd, args)
			if s == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ns, _ := cmd.Flags().GetString("namespace")
			var out []string
			for _, v := range uniqueSorted(list(s, ns)) {
				out = appendMatch(out, toComplete, v, "")
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
	}
	_ = cmd.RegisterFlagCompletionFunc("namespace", complete(bundleNamespaces))
	_ = cmd.RegisterFlagCompletionFunc("pod", complete(func(s *snapshot.Snapshot, ns string) []string {
		var out []string
		for _, p := range s.Pods {
			out = appendName(out, ns, p.Namespace, p.Name)
		}
		return out
	}))
	_ = cmd.RegisterFlagCompletionFunc("service-account", complete(func(s *snapshot.Snapshot, ns string) []string {
		var out []string
		for _, sa := range s.ServiceAccounts {
			out = appendName(out, ns, sa.Namespace, sa.Name)
		}
		return out
	}))
	_ = cmd.RegisterFlagCompletionFunc("workload", complete(func(s *snapshot.Snapshot, ns string) []string {
		var out []string
		for _, w := range s.Workloads {
			// The flag's kind is lower case (deployment/payments/api);
			// a kind it does not take is not offered.
			kind := strings.ToLower(w.Kind)
			if _, ok := model.WorkloadKind(kind); !ok {
				continue
			}
			for _, v := range appendName(nil, ns, w.Namespace, w.Name) {
				out = append(out, kind+"/"+v)
			}
		}
		return out
	}))
}

// readForCompletion reads the bundle named by args, or returns nil.
func readForCompletion(cmd *cobra.Command, args []string) *snapshot.Snapshot {
	paths := slices.DeleteFunc(slices.Clone(args), func(p string) bool { return p == "-" })
	if len(paths) == 0 {
		return nil
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := bundle.Read(ctx, paths, bundle.Options{})
	if err != nil {
		return nil
	}
	return s
}

// bundleNamespaces are the namespaces the bundle's objects are in, and those
// it lists; ns (a -n already given) plays no part.
func bundleNamespaces(s *snapshot.Snapshot, _ string) []string {
	var out []string
	for _, n := range s.Namespaces {
		out = append(out, n.Name)
	}
	for _, p := range s.Pods {
		out = append(out, p.Namespace)
	}
	for _, sa := range s.ServiceAccounts {
		out = append(out, sa.Namespace)
	}
	for _, w := range s.Workloads {
		out = append(out, w.Namespace)
	}
	return out
}

// appendName appends NS/NAME, or NAME alone when -n names its namespace
// (the flags take NAME then); an object of another namespace is left out.
func appendName(out []string, flagNS, ns, name string) []string {
	switch {
	case flagNS == "":
		return append(out, ns+"/"+name)
	case ns == flagNS:
		return append(out, name)
	}
	return out
}

// uniqueSorted drops empty and repeated values, and values a completion
// line cannot carry: a bundle is untrusted, and a tab, a line break or an
// escape sequence in a name would forge candidates or reach the terminal.
func uniqueSorted(values []string) []string {
	values = slices.DeleteFunc(values, func(v string) bool {
		return v == "" || strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/") || termsafe.Has(v) || strings.ContainsAny(v, " \t")
	})
	slices.Sort(values)
	return slices.Compact(values)
}

// appendMatch appends value (with its description, if any) when it starts
// with what is typed, ignoring case (irsa1 finds IRSA101).
func appendMatch(out []string, toComplete, value, desc string) []string {
	if !hasPrefixFold(value, toComplete) {
		return out
	}
	if desc != "" {
		value += "\t" + desc
	}
	return append(out, value)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// completeContexts offers the contexts of the kubeconfig the command line
// names (--kubeconfig), else kubectl's (KUBECONFIG, ~/.kube/config), each
// with its cluster, leaving out those already given (scan's --context is
// repeatable). A name a shell could not take back as one word (a tab, a
// line break, a control character) is not offered.
func completeContexts(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if f := cmd.Flags().Lookup("kubeconfig"); f != nil {
		rules.ExplicitPath = f.Value.String()
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	given, _ := cmd.Flags().GetStringArray("context")
	names := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []string
	for _, name := range names {
		if slices.Contains(given, name) || termsafe.Has(name) || strings.ContainsAny(name, "\t\n") {
			continue
		}
		out = appendMatch(out, toComplete, name, termsafe.Escape(raw.Contexts[name].Cluster))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
