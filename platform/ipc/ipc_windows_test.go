package ipc

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

func testPipe(t *testing.T) string {
	return DefaultPath() + "-test-" + strconv.Itoa(int(windows.GetCurrentProcessId())) + "-" + t.Name()
}

func TestPipeLock(t *testing.T) {
	path := testPipe(t)
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Listen = %v, want ErrAlreadyRunning", err)
	}
	l.Close()
	l, err = Listen(path)
	if err != nil {
		t.Fatalf("Listen after Close: %v", err)
	}
	l.Close()
}

func TestPipeSDDL(t *testing.T) {
	sid, err := userSID()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString(pipeSDDL(sid))
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if dacl.AceCount != 1 {
		t.Fatalf("DACL has %d entries, want 1", dacl.AceCount)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	aceSID := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
	if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || aceSID.String() != sid {
		t.Fatalf("ACE: type %d for %s, want allow for %s", ace.Header.AceType, aceSID, sid)
	}
	if c, _, _ := sd.Control(); c&windows.SE_DACL_PROTECTED == 0 {
		t.Error("DACL not protected: it would inherit entries")
	}
}

func TestPipeDACL(t *testing.T) {
	if underWine() {
		t.Skip("Wine keeps no security descriptor on named pipes; TestPipeSDDL checks ours")
	}
	path := testPipe(t)
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := userSID()
	if got := sd.String(); !strings.HasSuffix(got, "D:P(A;;FA;;;"+sid+")") && !strings.HasSuffix(got, "D:P(A;;GA;;;"+sid+")") {
		t.Errorf("pipe DACL = %s, want one entry, for %s", got, sid)
	}
}

func TestPipeRoundTrip(t *testing.T) {
	if underWine() {
		t.Skip("Wine never completes go-winio's overlapped ConnectNamedPipe; runs on real Windows")
	}
	path := testPipe(t)
	mustListen(t, path)
	hello(t, path)
}

// underWine reports whether Wine runs this binary (its ntdll exports
// wine_get_version).
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

func TestPipeDialNobody(t *testing.T) {
	_, err := Dial(context.Background(), DefaultPath()+"-nobody")
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Dial = %v, want ErrNotRunning", err)
	}
}

func TestDefaultPathWindows(t *testing.T) {
	sid, err := userSID()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := DefaultPath(), `\\.\pipe\walkme-agent-`+sid; got != want {
		t.Fatalf("DefaultPath() = %q, want %q", got, want)
	}
}

func TestLockName(t *testing.T) {
	if got := lockName(`\\.\pipe\walkme-agent-S-1-5-21-1`); got != "walkme-agent-S-1-5-21-1.lock" {
		t.Errorf("lockName = %q", got)
	}
	if got := lockName(`\\.\pipe\a:b*c`); got != "a_b_c.lock" {
		t.Errorf("lockName = %q", got)
	}
}
