//go:build linux

package e2e

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// TestDeviceLogin is `login --device` end to end: the CLI shows a code, the
// user approves it in a browser elsewhere, and the agent is signed in.
func TestDeviceLogin(t *testing.T) {
	srv, a := startAgent(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, "login", "--device")
	cmd.Env = append(os.Environ(), a.env...)
	cmd.Env = append(cmd.Env, "BROWSER=/bin/false") // no browser is involved
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`^\s+([A-Z]{4}-[A-Z]{4})$`)
	var userCode, shown string
	sc := bufio.NewScanner(out)
	for userCode == "" && sc.Scan() {
		shown += sc.Text() + "\n"
		if m := code.FindStringSubmatch(sc.Text()); m != nil {
			userCode = m[1]
		}
	}
	if userCode == "" || !strings.Contains(shown, srv.URL+"/device") {
		t.Fatalf("login --device printed no code or no verification URL:\n%s", shown)
	}
	if st := a.mustStatus(); st.SignedIn() || !st.LoginPending {
		t.Fatalf("while the code waits: %s, login_pending=%v; want signed out with a sign-in pending", st.State, st.LoginPending)
	}
	// The user, on another device.
	resp, err := http.PostForm(srv.URL+"/device", url.Values{
		"user_code": {userCode}, "email": {admin}, "password": {password}, "action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("login --device: %v", err)
	}
	st := a.awaitStatus(5*time.Second, "signed in", localapi.Status.SignedIn)
	if st.User != admin || a.keychainEntry() == "" {
		t.Fatalf("after the approval: user %q, keychain entry present %v", st.User, a.keychainEntry() != "")
	}
}
