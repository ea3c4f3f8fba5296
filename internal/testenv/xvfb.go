package testenv

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Xvfb starts a virtual X server with one screen of the given geometry
// ("800x600x24") on a free display, and returns its DISPLAY (":N"). It
// stops when the test ends.
func Xvfb(t testing.TB, screen string) string {
	t.Helper()
	bin := Command(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// -displayfd picks a free display and writes its number on fd 3.
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { StopProcess(cmd) })
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(r)
		s.Scan()
		line <- strings.TrimSpace(s.Text())
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb printed no display number")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start in 20 s")
	}
	return ""
}
