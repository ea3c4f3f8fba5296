//go:build linux

package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of utime and stime in /proc/PID/stat: USER_HZ, which
// the kernel fixes at 100 for user space on every Linux architecture we ship.
const userHZ = 100

// usage is what /proc says about a process at one instant.
type usage struct {
	at    time.Time
	ticks int64         // utime+stime from /proc/PID/stat, in 1/userHZ s
	sched time.Duration // on-CPU time summed over /proc/PID/task/*/schedstat (ns)
	rssKB int64         // VmRSS
	hwmKB int64         // VmHWM: the peak RSS so far
}

func readUsage(pid int) (usage, error) {
	u := usage{at: time.Now()}
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return u, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return u, fmt.Errorf("%s/stat: no ')'", dir)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return u, fmt.Errorf("%s/stat: %d fields", dir, len(f))
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return u, fmt.Errorf("%s/stat: %w", dir, err)
		}
		u.ticks += n
	}
	if u.sched, err = schedTime(dir); err != nil {
		return u, err
	}
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return u, err
	}
	u.rssKB, u.hwmKB = statusKB(status, "VmRSS:"), statusKB(status, "VmHWM:")
	return u, nil
}

// schedTime sums the on-CPU nanoseconds of every thread: the same CPU time
// as utime+stime, but in nanoseconds rather than 10 ms ticks, which matters
// when the target is 1 CPU-second per hour (5.6 ms in a 20 s window).
func schedTime(dir string) (time.Duration, error) {
	tasks, err := filepath.Glob(filepath.Join(dir, "task", "*", "schedstat"))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("%s: no task schedstat (%v)", dir, err)
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", t, err)
		}
		total += time.Duration(ns)
	}
	return total, nil
}

func statusKB(status []byte, key string) int64 {
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// rest is a process's cost over a window: CPU per hour, extrapolated, and
// memory at its end.
type rest struct {
	window       time.Duration
	cpuPerHour   time.Duration // from schedstat
	ticksPerHour time.Duration // from utime+stime (10 ms resolution)
	rssMB, hwmMB float64
}

func between(a, b usage) rest {
	w := b.at.Sub(a.at)
	perHour := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(time.Hour) / float64(w))
	}
	return rest{
		window:       w,
		cpuPerHour:   perHour(b.sched - a.sched),
		ticksPerHour: perHour(time.Duration(b.ticks-a.ticks) * time.Second / userHZ),
		rssMB:        float64(b.rssKB) / 1024,
		hwmMB:        float64(b.hwmKB) / 1024,
	}
}
