package root

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version returns what --version prints after "drs ": the module version,
// the commit and its time (from the build's VCS stamp, "commit unknown"
// when the build carries none), whether the tree was modified, and the Go
// version, all from debug.ReadBuildInfo.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	return versionText(bi, ok)
}

func versionText(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "(unknown version, commit unknown: the binary carries no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	commit := "commit unknown"
	if rev := settings["vcs.revision"]; rev != "" {
		commit = "commit " + rev[:min(len(rev), 12)]
		if t := settings["vcs.time"]; t != "" {
			commit += ", " + t
		}
		if settings["vcs.modified"] == "true" {
			commit += ", modified"
		}
	}
	parts := []string{commit}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	return fmt.Sprintf("%s (%s)", v, strings.Join(parts, ", "))
}
