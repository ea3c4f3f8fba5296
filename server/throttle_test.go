package server_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// guess is one sign-in on the /authorize form from e's client: its status,
// Retry-After in seconds (0 if none) and page.
func (e *env) guess(c *http.Client, au, email, pw string) (int, int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", au, strings.NewReader(url.Values{"email": {email}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	body := readAll(e.t, bufferBody(e.t, resp))
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, retry, body
}

// from is a client (not following redirects) whose connections come from
// another loopback address, as a second machine's would.
func (e *env) from(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	conn, err := d.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Skipf("cannot connect from %s: %v", ip, err)
	}
	conn.Close()
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var tooMany = regexp.MustCompile(`Too many attempts\. Try again in (\d+) s\.`)

// TestPasswordGuessingThrottled: 200 wrong passwords in a row are paused
// after a few (HTTP 429 with Retry-After and a page that says how long);
// while paused even the right password is refused, and once the pause
// is over it works. The account's activity log records the pause.
func TestPasswordGuessingThrottled(t *testing.T) {
	e := newEnv(t, false)
	au := e.authorizeURL(newPKCE(), redirectURI)
	answered, paused := 0, 0
	for i := range 200 {
		code, retry, body := e.guess(e.http, au, "user@acme.test", "guess "+strconv.Itoa(i))
		switch code {
		case http.StatusOK:
			answered++
			if !strings.Contains(body, "Wrong email or password") {
				t.Fatalf("guess %d: 200 without the wrong-password message", i)
			}
		case http.StatusTooManyRequests:
			paused++
			m := tooMany.FindStringSubmatch(body)
			if retry < 1 || m == nil || m[1] != strconv.Itoa(retry) || !strings.Contains(body, `name="password"`) {
				t.Fatalf("guess %d: 429 with Retry-After %d and page %q; want the form saying to wait Retry-After seconds", i, retry, m)
			}
		default:
			t.Fatalf("guess %d: HTTP %d", i, code)
		}
	}
	if answered > 10 || paused < 190 {
		t.Errorf("of 200 wrong passwords %d were checked and %d paused; want at most 10 checked", answered, paused)
	}
	code, retry, _ := e.guess(e.http, au, "user@acme.test", password)
	if code != http.StatusTooManyRequests || retry < 1 {
		t.Fatalf("right password while paused: HTTP %d (Retry-After %d), want 429", code, retry)
	}
	e.clock.Advance(time.Duration(retry) * time.Second)
	if code, _, _ := e.guess(e.http, au, "user@acme.test", password); code != http.StatusFound {
		t.Fatalf("right password after the pause: HTTP %d, want the redirect with a code", code)
	}
	log, err := e.store.ActivityLog(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, a := range log {
		if a.Action == server.ActionSignInThrottled && a.Actor == "127.0.0.1" && a.Target == "user@acme.test" {
			entries = append(entries, a.New)
		}
	}
	if len(entries) != 1 {
		t.Errorf("activity log %+v: want one sign_in_throttled entry for user@acme.test from 127.0.0.1", log)
	}
}

// TestThrottleParallelGuesses: 100 wrong passwords sent at once are no
// better than 100 in a row: only the free few are checked, not every
// request that arrived before the first failure counted.
func TestThrottleParallelGuesses(t *testing.T) {
	e := newEnv(t, false)
	au := e.authorizeURL(newPKCE(), redirectURI)
	codes := make(chan int, 100)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			code, _, _ := e.guess(e.http, au, "user@acme.test", "guess "+strconv.Itoa(i))
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	checked := 0
	for code := range codes {
		switch code {
		case http.StatusOK:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("HTTP %d", code)
		}
	}
	if checked > 6 {
		t.Errorf("%d of 100 parallel wrong passwords were checked, want at most the 5 free ones and the one that pauses", checked)
	}
}

// TestThrottleBackoffGrows: a guesser who waits out every pause gets
// pauses that double, up to 15 minutes.
func TestThrottleBackoffGrows(t *testing.T) {
	e := newEnv(t, false)
	au := e.authorizeURL(newPKCE(), redirectURI)
	var waits []int
	for i := 0; len(waits) < 14; i++ {
		code, retry, _ := e.guess(e.http, au, "user@acme.test", "guess "+strconv.Itoa(i))
		if code == http.StatusTooManyRequests {
			waits = append(waits, retry)
			e.clock.Advance(time.Duration(retry) * time.Second)
		}
		if i > 100 {
			t.Fatalf("no pauses after %d guesses", i)
		}
	}
	want := []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900}
	if !slicesEqual(waits, want) {
		t.Errorf("pauses %v s, want %v", waits, want)
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestThrottleSparesTheRealUser: a guesser at another address, going as
// fast as the pauses let them, delays the real user by a minute at most;
// the user's own address was never paused for that account.
func TestThrottleSparesTheRealUser(t *testing.T) {
	e := newEnv(t, false)
	attacker := e.from(t, "127.0.0.2")
	au := e.authorizeURL(newPKCE(), redirectURI)
	for i := range 60 {
		code, retry, _ := e.guess(attacker, au, "user@acme.test", "guess "+strconv.Itoa(i))
		if code == http.StatusTooManyRequests {
			e.clock.Advance(time.Duration(retry) * time.Second)
		}
	}
	// Attacker paused now; the real user tries at the worst moment.
	if code, retry, _ := e.guess(attacker, au, "user@acme.test", "one more"); code != http.StatusTooManyRequests || retry < 60 {
		t.Fatalf("attacker after 60 guesses: HTTP %d, Retry-After %d; want a long pause", code, retry)
	}
	code, retry, _ := e.guess(e.http, au, "user@acme.test", password)
	if code == http.StatusTooManyRequests {
		if retry > 60 {
			t.Fatalf("the real user at another address must wait %d s, want at most 60", retry)
		}
		e.clock.Advance(time.Duration(retry) * time.Second)
		code, _, _ = e.guess(e.http, au, "user@acme.test", password)
	}
	if code != http.StatusFound {
		t.Fatalf("the real user's sign-in: HTTP %d, want the redirect", code)
	}
}

// TestThrottleEveryPasswordForm: the device page and trying one password
// on many accounts are paused too.
func TestThrottleEveryPasswordForm(t *testing.T) {
	e := newEnv(t, false)
	paused := 0
	for i := range 50 {
		code, body := e.decideDevice("BCDF-GHJK", "user@acme.test", "guess "+strconv.Itoa(i), "approve")
		if code == http.StatusTooManyRequests {
			paused++
			if tooMany.FindString(body) == "" {
				t.Fatalf("device page 429 without the wait message:\n%s", body)
			}
		}
	}
	if paused < 40 {
		t.Errorf("device page: %d of 50 wrong passwords paused", paused)
	}
	if code, _ := e.decideDevice("BCDF-GHJK", "user@acme.test", password, "approve"); code != http.StatusTooManyRequests {
		t.Errorf("device page, right password while paused: HTTP %d, want 429", code)
	}

	// One password against many (made-up) accounts from one address.
	spray := e.from(t, "127.0.0.3")
	au := e.authorizeURL(newPKCE(), redirectURI)
	paused = 0
	for i := range 60 {
		if code, _, _ := e.guess(spray, au, "someone"+strconv.Itoa(i)+"@acme.test", "Winter2025!"); code == http.StatusTooManyRequests {
			paused++
		}
	}
	if paused == 0 {
		t.Error("trying one password on 60 accounts from one address was never paused")
	}
}
