// Package bench measures docs/design.md §10's performance targets with the real parts:
// the walkme-agent binary at rest against an embedded walkme-sessiond, the
// tray on a private D-Bus bus, and the session service's renewal throughput
// and latency with SQLite and with Redis. It holds benchmarks only (Linux:
// they read /proc); `make bench` runs them, and docs/performance.md records
// the figures.
package bench
