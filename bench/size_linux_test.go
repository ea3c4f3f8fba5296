//go:build linux

package bench

import (
	"os"
	"testing"
)

// BenchmarkAgentSize reports the size of the walkme-agent binary every laptop
// gets, built as `make build` builds it (no cgo, -trimpath, stripped), next
// to walkme-demo as a baseline: the same agent plus the embedded reference
// service, its SQLite store and the browser stand-in, which the agent used to
// carry. b.N is not used: a size is measured once.
func BenchmarkAgentSize(b *testing.B) {
	agent, demo := fileSize(b, binary(b, "walkme-agent")), fileSize(b, binary(b, "walkme-demo"))
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(agent), "agent-bytes")
	b.ReportMetric(float64(agent)/1e6, "agent-MB")
	b.ReportMetric(float64(demo)/1e6, "demo-MB")
	b.ReportMetric(float64(agent)/float64(demo), "agent/demo")
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
