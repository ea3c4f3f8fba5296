package presence

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// osState holds what the scans reuse.
type osState struct {
	sid     *windows.SID // the current user, found on the first scan
	session uint32       // the current logon session
	name    []byte       // an exe name, converted from UTF-16
}

// scan walks a Toolhelp32 snapshot of all processes. Only processes whose
// exe name matches are opened, to check that they run in this logon session
// under this user; processes that cannot be opened are skipped.
func (s *Scanner) scan() error {
	if s.os.sid == nil {
		if err := s.os.init(); err != nil {
			return err
		}
	}
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return fmt.Errorf("presence: process snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		s.os.name = appendUTF8(s.os.name[:0], e.ExeFile[:])
		var owned, checked bool
		for i := range s.targets {
			if s.hits[i] || !s.targets[i].matches(s.os.name) {
				continue
			}
			if !checked {
				owned, checked = s.os.owns(e.ProcessID), true
			}
			s.hits[i] = owned
		}
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return fmt.Errorf("presence: walk processes: %w", err)
	}
	return nil
}

func (st *osState) init() error {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("presence: current user: %w", err)
	}
	sid, err := tu.User.Sid.Copy()
	if err != nil {
		return fmt.Errorf("presence: current user: %w", err)
	}
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &st.session); err != nil {
		return fmt.Errorf("presence: current session: %w", err)
	}
	st.sid = sid
	return nil
}

// owns reports whether process pid runs in our session as our user.
func (st *osState) owns(pid uint32) bool {
	var session uint32
	if windows.ProcessIdToSessionId(pid, &session) != nil || session != st.session {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) != nil {
		return false
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return false
	}
	return windows.EqualSid(tu.User.Sid, st.sid)
}

// appendUTF8 appends the NUL-terminated UTF-16 string s as UTF-8.
func appendUTF8(dst []byte, s []uint16) []byte {
	for i, c := range s {
		if c == 0 {
			s = s[:i]
			break
		}
	}
	return append(dst, windows.UTF16ToString(s)...)
}
