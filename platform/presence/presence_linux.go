package presence

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// commLen is how many bytes of a name /proc/PID/comm keeps (TASK_COMM_LEN-1).
const commLen = 15

// osState holds the buffers reused between scans.
type osState struct {
	dents []byte // getdents buffer
	buf   []byte // file contents
	path  []byte // "PID/file"
	link  []byte // readlink buffer
	comm  []byte // the process's comm
}

// scan reads /proc: every numeric entry's comm, and for a name that matches,
// the owner of /proc/PID (the process's effective uid) must be ours.
func (s *Scanner) scan() error {
	st := &s.os
	if st.dents == nil {
		st.dents = make([]byte, 32<<10)
		st.buf = make([]byte, 4096)
		st.link = make([]byte, 4096)
	}
	proc, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	defer unix.Close(proc)
	uid := uint32(os.Getuid())
	for {
		n, err := unix.Getdents(proc, st.dents)
		if err != nil {
			return fmt.Errorf("presence: read /proc: %w", err)
		}
		if n <= 0 {
			return nil
		}
		for b := st.dents[:n]; len(b) > 0; {
			name, next := direntName(b)
			b = next
			if isPID(name) {
				s.check(proc, name, uid)
			}
		}
	}
}

// check matches one process against the targets. Errors mean the process
// went away or is not readable: it is skipped.
func (s *Scanner) check(proc int, pid []byte, uid uint32) {
	// Copied out of the read buffer, which the reads below reuse.
	s.os.comm = append(s.os.comm[:0], bytes.TrimSuffix(s.read(proc, pid, "/comm"), []byte("\n"))...)
	comm := s.os.comm
	if len(comm) == 0 {
		return
	}
	truncated := len(comm) == commLen
	var candidate bool
	for i := range s.targets {
		t := &s.targets[i]
		if !s.hits[i] && (t.matches(comm) || truncated && t.mayBe(comm)) {
			candidate = true
			break
		}
	}
	if !candidate || !s.owned(proc, pid, uid) || s.dead(proc, pid) {
		return
	}
	var exe, argv0 []byte
	if truncated {
		// comm may be a cut-off name: the full one is the executable's file
		// name or, when it was started through a symlink, argv[0].
		exe = baseName(s.readlink(proc, pid))
		if cmd := s.read(proc, pid, "/cmdline"); len(cmd) > 0 {
			if i := bytes.IndexByte(cmd, 0); i >= 0 {
				cmd = cmd[:i]
			}
			argv0 = baseName(cmd)
		}
	}
	for i := range s.targets {
		t := &s.targets[i]
		switch {
		case !truncated:
			s.hits[i] = s.hits[i] || t.matches(comm)
		case len(exe) == 0 && len(argv0) == 0:
			s.hits[i] = s.hits[i] || t.mayBe(comm) // nothing to confirm with
		default:
			s.hits[i] = s.hits[i] || t.matches(exe) || t.matches(argv0)
		}
	}
}

// owned reports whether /proc/PID belongs to uid.
func (s *Scanner) owned(proc int, pid []byte, uid uint32) bool {
	var st unix.Stat_t
	if err := unix.Fstatat(proc, string(pid), &st, 0); err != nil {
		return false
	}
	return st.Uid == uid
}

// dead reports whether the process has exited and waits to be reaped (a
// zombie): its name is still in /proc but the product is closed.
func (s *Scanner) dead(proc int, pid []byte) bool {
	stat := s.read(proc, pid, "/stat") // "PID (comm) S ..."
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return true // gone already
	}
	state := stat[i+2]
	return state == 'Z' || state == 'X'
}

// read returns /proc/PID/file (at most one buffer's worth), or nil.
func (s *Scanner) read(proc int, pid []byte, file string) []byte {
	st := &s.os
	st.path = append(append(st.path[:0], pid...), file...)
	fd, err := unix.Openat(proc, string(st.path), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, st.buf)
	if err != nil || n <= 0 {
		return nil
	}
	return st.buf[:n]
}

// readlink returns the target of /proc/PID/exe, or nil.
func (s *Scanner) readlink(proc int, pid []byte) []byte {
	st := &s.os
	st.path = append(append(st.path[:0], pid...), "/exe"...)
	n, err := unix.Readlinkat(proc, string(st.path), st.link)
	if err != nil || n <= 0 {
		return nil
	}
	return bytes.TrimSuffix(st.link[:n], []byte(" (deleted)"))
}

// direntName parses the linux_dirent64 at the start of b: its name and the
// rest of the buffer.
func direntName(b []byte) (name, rest []byte) {
	// struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
	const nameOff = 19
	if len(b) < nameOff {
		return nil, nil
	}
	reclen := int(binary.NativeEndian.Uint16(b[16:18]))
	if reclen < nameOff || reclen > len(b) {
		return nil, nil
	}
	name = b[nameOff:reclen]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return name, b[reclen:]
}

func isPID(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
