// Package bench measures docs/design.md §10's performance targets with the real parts:
// the walkme-agent binary at rest against an embedded walkme-sessiond, the
// tray on a private D-Bus bus, the session service's renewal throughput
// and latency with SQLite and with Redis, and a fleet of simulated agents
// against the service on Redis over a virtual morning. It holds
// benchmarks (Linux: they read /proc), which `make bench` runs and
// docs/performance.md records, and one test, TestFleetSlice: a 200-agent
// slice of the fleet that checks no session is wrongly lapsed or kept alive.
package bench
