package cli

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version is empty unless a release build sets it:
// go build -ldflags "-X github.com/irsa-doctor/irsa-doctor/internal/cli.Version=v1.2.3"
// (make build VERSION=v1.2.3). Empty, the module version Go stamps into
// the binary is used (a tag when installed with go install ...@v1.2.3, a
// pseudo-version when built in a checkout).
var Version = ""

// BuildInfo is what `version -o json` prints: enough for a bug report to
// name the exact source. There is no build date: a rebuild of the same
// commit is the same program; Time is the commit's (vcs.time).
type BuildInfo struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Time      string `json:"time"`
	Modified  bool   `json:"modified"`
	GoVersion string `json:"goVersion"`
}

// develVersion names a build that carries neither an -X version nor a
// module version (go build in a folder that is not a git checkout).
const develVersion = "devel"

// readBuildInfo combines the -X value with what Go stamped into the binary.
// The -X value wins over the module version.
func readBuildInfo(x string, bi *debug.BuildInfo, ok bool) BuildInfo {
	b := BuildInfo{Name: "irsa-doctor", Version: x}
	if ok && bi != nil {
		b.GoVersion = bi.GoVersion
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = develVersion
	}
	return b
}

// systemBuildInfo is the running binary's BuildInfo.
func systemBuildInfo() BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	return readBuildInfo(Version, bi, ok)
}

// text is the one line `version` prints.
func (b BuildInfo) text() string {
	var extra []string
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		extra = append(extra, "revision "+rev)
	}
	if b.Time != "" {
		extra = append(extra, b.Time)
	}
	if b.Modified {
		extra = append(extra, "modified")
	}
	if len(extra) == 0 {
		return "irsa-doctor " + b.Version
	}
	return fmt.Sprintf("irsa-doctor %s (%s)", b.Version, strings.Join(extra, ", "))
}

// NewCmdVersion prints the version; -o json prints BuildInfo for bug reports.
func NewCmdVersion(deps Deps) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version (-o json: version, VCS revision, commit time, modified, Go version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := deps.build()
			switch output {
			case "", "text":
				fmt.Fprintln(deps.Out, b.text())
			case "json":
				data, err := json.MarshalIndent(b, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(deps.Out, "%s\n", data)
			default:
				return usageErr("-o %q: version prints text or json", output)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// build is the BuildInfo the run reports: Deps.Build, or only Version
// when a caller (a test) set no more.
func (d Deps) build() BuildInfo {
	if d.Build != nil {
		return *d.Build
	}
	return BuildInfo{Name: "irsa-doctor", Version: d.Version}
}
