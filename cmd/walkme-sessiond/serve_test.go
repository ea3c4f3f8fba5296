package main_test

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// served is a running `walkme-sessiond serve`.
type served struct {
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:PORT; "" when it exited without listening
	head string // its log up to the line that says where it listens, or all of it
	rest chan string
}

var listening = regexp.MustCompile(`walkme-sessiond listening.*addr(?:=|":")(127\.0\.0\.1:\d+)`) // text or JSON

// serve runs `walkme-sessiond serve --listen 127.0.0.1:0 args...` until it
// logs where it listens, or exits. It is killed when the test ends.
func serve(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{cmd: exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...), rest: make(chan string, 1)}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.rest; s.cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	var head strings.Builder
	for s.URL == "" && lines.Scan() {
		head.WriteString(lines.Text() + "\n")
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			s.URL = "http://" + m[1]
		}
	}
	s.head = head.String()
	// The rest of the log is read to its end before Wait closes the pipe,
	// through the same scanner, which holds what it read ahead.
	go func() {
		var b strings.Builder
		for lines.Scan() {
			b.WriteString(lines.Text() + "\n")
		}
		s.rest <- b.String()
	}()
	return s
}

// stop sends SIGTERM and returns the log written after the listening line
// and how the process exited.
func (s *served) stop(t *testing.T) (string, error) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case l := <-s.rest:
		s.rest <- l // for the cleanup
		return l, s.cmd.Wait()
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
		return "", nil
	}
}
