package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/ipc"
)

func (g *globals) client() *localapi.Client {
	return localapi.NewClient(func(ctx context.Context) (net.Conn, error) { return ipc.Dial(ctx, g.socket) })
}

func cmdLogin(ctx context.Context, g *globals, args []string) int {
	fs := g.flags("login", "login [--no-browser] [--device]")
	noBrowser := fs.Bool("no-browser", false, "print the sign-in URL instead of opening a browser")
	device := fs.Bool("device", false, "sign in with a code, in a browser on any device (for machines without one)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	c := g.client()
	st, err := c.Status(ctx)
	if err != nil {
		return g.fail(err)
	}
	if st.SignedIn() {
		fmt.Fprintf(g.stdout, "Already signed in as %s.\n", st.User)
		return exitOK
	}
	start, err := c.LoginWith(ctx, localapi.LoginRequest{Device: *device})
	if err != nil {
		return g.fail(err)
	}
	if start.UserCode != "" {
		fmt.Fprintf(g.stdout, "To sign in, open %s in a browser on any device and enter the code:\n\n  %s\n\n",
			start.VerificationURI, start.UserCode)
		if start.VerificationURIComplete != "" {
			fmt.Fprintf(g.stdout, "(or open %s)\n", start.VerificationURIComplete)
		}
		if start.ExpiresAt != nil {
			fmt.Fprintf(g.stdout, "The code expires at %s.\n", fmtTime(start.ExpiresAt))
		}
	} else if *noBrowser {
		fmt.Fprintf(g.stdout, "Open this URL in a browser to sign in:\n\n  %s\n\n", start.AuthURL)
	} else if err := openBrowser(start.AuthURL); err != nil {
		fmt.Fprintf(g.stdout, "Could not open a browser (%v). Open this URL to sign in:\n\n  %s\n\n", err, start.AuthURL)
	} else {
		fmt.Fprintln(g.stdout, "Continue signing in in your browser…")
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	st, err = c.LoginWait(wctx)
	if err != nil {
		return g.fail(err)
	}
	if !st.SignedIn() {
		return g.fail(errors.New("sign-in did not complete"))
	}
	fmt.Fprintf(g.stdout, "Signed in as %s.\n", st.User)
	return exitOK
}

// openBrowser opens url with $BROWSER (a list separated by ':', each entry a
// command, with %s standing for the URL) or the system's opener.
func openBrowser(url string) error {
	if b := os.Getenv("BROWSER"); b != "" {
		var errs []error
		for _, entry := range strings.Split(b, string(os.PathListSeparator)) {
			fields := strings.Fields(entry)
			if len(fields) == 0 {
				continue
			}
			args := fields[1:]
			if strings.Contains(entry, "%s") {
				for i := range args {
					args[i] = strings.ReplaceAll(args[i], "%s", url)
				}
			} else {
				args = append(args, url)
			}
			cmd := exec.Command(fields[0], args...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err == nil {
				go cmd.Wait() //nolint:errcheck // the browser outlives us or not; either is fine
				return nil
			} else {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck
	return nil
}

func cmdLogout(ctx context.Context, g *globals, args []string) int {
	if code, ok := parse(g.flags("logout", "logout"), args); !ok {
		return code
	}
	st, err := g.client().Logout(ctx)
	if err != nil {
		return g.fail(err)
	}
	if st.LastError != "" {
		fmt.Fprintf(g.stderr, "warning: %s\n", st.LastError)
	}
	if st.SignOutPending {
		fmt.Fprintln(g.stdout, "Signed out here. Sign-out pending: the server is told as soon as the network returns.")
		return exitOK
	}
	fmt.Fprintln(g.stdout, "Signed out.")
	return exitOK
}

func cmdRenew(ctx context.Context, g *globals, args []string) int {
	if code, ok := parse(g.flags("renew", "renew"), args); !ok {
		return code
	}
	st, err := g.client().Renew(ctx)
	if err != nil {
		return g.fail(err)
	}
	fmt.Fprintf(g.stdout, "Renewed. The session lapses at %s unless renewed again.\n", fmtTime(st.LapsesAt))
	return exitOK
}

func cmdStatus(ctx context.Context, g *globals, args []string) int {
	fs := g.flags("status", "status [--json]")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	st, err := g.client().Status(ctx)
	switch {
	case errors.Is(err, ipc.ErrNotRunning):
		fmt.Fprintf(g.stderr, "walkme-agent: the agent is not running (socket %s)\n", g.socket)
		return exitFailure
	case errors.Is(err, localapi.ErrNotAnswering):
		fmt.Fprintf(g.stderr, "walkme-agent: the agent on socket %s did not answer within %v: it may be stuck; "+
			"restart it (walkme-agent service stop, then service start)\n", g.socket, localapi.QuickTimeout)
		return exitFailure
	case err != nil:
		return g.fail(err)
	}
	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(st)
	} else {
		printStatus(g, st)
	}
	switch {
	case st.State == localapi.StateStarting:
		// Whether a session is live is not known until the keychain answers.
		fmt.Fprintln(g.stderr, "walkme-agent: the agent is starting: it has not read the stored session from the keychain yet")
		return exitFailure
	case !st.SignedIn():
		return exitSignedOut
	}
	return exitOK
}

func printStatus(g *globals, st localapi.Status) {
	w := g.stdout
	fmt.Fprintf(w, "State:        %s\n", st.State)
	if st.SignedIn() {
		fmt.Fprintf(w, "User:         %s\n", st.User)
		fmt.Fprintf(w, "Last renewal: %s\n", fmtTime(st.LastRenewal))
		fmt.Fprintf(w, "Next renewal: %s\n", fmtTime(st.NextRenewal))
		fmt.Fprintf(w, "Lapses at:    %s (timeout %s)\n", fmtTime(st.LapsesAt), time.Duration(st.InactivityTimeoutSeconds)*time.Second)
	} else if st.SignedOutReason != "" {
		fmt.Fprintf(w, "Reason:       %s\n", st.SignedOutReason)
	}
	fmt.Fprintf(w, "Server:       %s\n", st.ServerURL)
	fmt.Fprintf(w, "WalkMe open:  %v %s\n", st.Presence.Open, strings.Join(st.Presence.Sources, ", "))
	fmt.Fprintf(w, "Network up:   %v\n", st.Network.Up)
	fmt.Fprintf(w, "Asleep:       %v (lid closed: %v)\n", st.Power.Asleep, st.Power.LidClosed)
	fmt.Fprintf(w, "Renewals:     %d\n", st.Renewals)
	if st.Keychain.State != "" && st.Keychain.State != localapi.KeychainOK {
		fmt.Fprintf(w, "Keychain:     %s\n", st.Keychain.State)
	}
	if st.LastError != "" {
		fmt.Fprintf(w, "Last error:   %s\n", st.LastError)
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}
