package presence

import (
	"bytes"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// commLen is how many bytes of a name the kernel keeps in p_comm (MAXCOMLEN).
const commLen = 16

// sZomb is p_stat of a process that exited and awaits its parent (SZOMB).
const sZomb = 5

// osState: sysctl allocates its own buffers, nothing to keep.
type osState struct{}

// scan lists all processes with sysctl kern.proc.all and keeps those whose
// effective uid is ours. A name cut off at 16 bytes is confirmed with the
// executable path from kern.procargs2.
func (s *Scanner) scan() error {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return fmt.Errorf("presence: sysctl kern.proc.all: %w", err)
	}
	uid := uint32(os.Getuid())
	for i := range procs {
		p := &procs[i]
		if p.Eproc.Ucred.Uid != uid || p.Proc.P_stat == sZomb {
			continue // another user's, or exited and not yet reaped
		}
		comm := p.Proc.P_comm[:]
		if n := bytes.IndexByte(comm, 0); n >= 0 {
			comm = comm[:n]
		}
		s.match(int(p.Proc.P_pid), comm)
	}
	return nil
}

func (s *Scanner) match(pid int, comm []byte) {
	truncated := len(comm) == commLen
	var exe []byte
	looked := false
	for i := range s.targets {
		t := &s.targets[i]
		switch {
		case s.hits[i]:
		case !truncated:
			s.hits[i] = t.matches(comm)
		case t.mayBe(comm):
			if !looked {
				exe, looked = execName(pid), true
			}
			s.hits[i] = len(exe) == 0 || t.matches(exe)
		}
	}
}

// execName returns the file name of pid's executable, from kern.procargs2
// (an int32 argc, then the executable path, NUL-terminated); nil if unknown.
func execName(pid int) []byte {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil || len(b) < 5 {
		return nil
	}
	b = b[4:]
	if n := bytes.IndexByte(b, 0); n >= 0 {
		b = b[:n]
	}
	return baseName(b)
}
