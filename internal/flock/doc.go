// Package flock takes the single-instance locks of the agent and the tray
// on Linux and macOS, and the tests' machine-wide locks
// (testenv.Exclusive): an exclusive flock(2) on a file, which the kernel
// drops when the process dies however it dies. Windows has its own
// mechanisms (an unshared file, a named mutex) and no use for it.
package flock
