package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// line is one line of the demo's timeline: "[  6.3s] agent    state=idle ...".
type line struct {
	n    int     // its number in the output, for messages
	at   float64 // seconds since the demo began
	who  string
	text string
}

var lineRE = regexp.MustCompile(`^\[\s*(\d+\.\d)s\] (\S+)\s+(.*)$`)

// status is an agent line that describes its status (describe).
type status struct {
	at                  float64 // when the line was printed
	state, reason, open string
	renewals            int
	lapsesAt            float64
}

var statusRE = regexp.MustCompile(`^state=(\S+)(?:\s+renewals=(\d+) lapses_at=(\d+\.\d)s)?(?: reason=(\S+))?(?: open=(\S+))?$`)

func (l line) status() (status, bool) {
	m := statusRE.FindStringSubmatch(l.text)
	if l.who != "agent" || m == nil {
		return status{}, false
	}
	st := status{at: l.at, state: m[1], reason: m[4], open: m[5]}
	if m[2] != "" {
		st.renewals, _ = strconv.Atoi(m[2])
		st.lapsesAt, _ = strconv.ParseFloat(m[3], 64)
	}
	return st, true
}

// timeline reads the demo's output as the story it tells, in order.
type timeline struct {
	t     *testing.T
	lines []line
	next  int // the first line not yet matched
}

// expect finds the first line from who whose text contains text, after the
// last one matched, and fails the test if there is none.
func (tl *timeline) expect(who, text string) line {
	tl.t.Helper()
	for i := tl.next; i < len(tl.lines); i++ {
		if l := tl.lines[i]; l.who == who && strings.Contains(l.text, text) {
			tl.next = i + 1
			return l
		}
	}
	tl.t.Fatalf("after line %d, no %s line says %q", tl.next, who, text)
	return line{}
}

// statusesUntil returns the agent's status lines between the last line
// matched and the next line from who that contains text (which it then
// matches).
func (tl *timeline) statusesUntil(who, text string) []status {
	tl.t.Helper()
	from := tl.next
	end := tl.expect(who, text)
	var out []status
	for _, l := range tl.lines[from : end.n-1] {
		if st, ok := l.status(); ok {
			out = append(out, st)
		}
	}
	return out
}

// TestDemo runs walkme-demo as `make demo` does and checks the story it
// tells: the sign-in; a renewal every cadence while the stand-in product is
// open, each moving the deadline; one closing renewal and no other while
// idle; the lapse, no earlier than one timeout after the close (less the
// second the server's introspection rounds to); the server refusing the
// lapsed session; then the browser half — the tab opened while signed out,
// following the sign-in, keeping the session alive alone, and showing
// "signed out" with the sign-out; and exit code 0. Without Chromium the
// demo must say that it skipped the browser half; under CI=true Chromium
// is required.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes ~25 s")
	}
	browser := runtime.GOOS == "linux" && findChromium() != ""
	if !browser && runtime.GOOS == "linux" {
		if testenv.InCI() {
			testenv.Missing(t, "chromium not installed (make deps installs it as root)")
		}
		t.Log("no Chromium here: the demo runs without its browser half")
	}
	bins, err := testenv.Build(t.TempDir(), testenv.BuildOptions{}, "walkme-demo")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bins["walkme-demo"])
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("walkme-demo: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	t.Logf("walkme-demo:\n%s", stdout.String())
	if stderr.Len() > 0 {
		t.Errorf("walkme-demo wrote to stderr: %s", stderr.String())
	}
	tl := &timeline{t: t}
	for i, s := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		m := lineRE.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("line %d is not a timeline line: %q", i+1, s)
		}
		at, _ := strconv.ParseFloat(m[1], 64)
		tl.lines = append(tl.lines, line{n: i + 1, at: at, who: m[2], text: m[3]})
	}

	tl.expect("service", "walkme-sessiond on http://127.0.0.1:")
	tl.expect("admin", "inactivity timeout to 6s")
	tl.expect("agent", "renews every 2s while WalkMe is open")
	// The agent may show starting (reading the keychain) before it knows.
	if sts := tl.statusesUntil("user", "signs in as ann@acme.example"); len(sts) == 0 || len(sts) > 2 ||
		sts[len(sts)-1].state != "signed_out" || sts[len(sts)-1].reason != "" || (len(sts) == 2 && sts[0].state != "starting") {
		t.Fatalf("before the sign-in: %+v, want signed_out", sts)
	}

	// Open: active with the product, a renewal per line, each moving the deadline.
	sts := tl.statusesUntil("user", "opens WalkMe Editor")
	if len(sts) != 1 || sts[0].state != "idle" || sts[0].renewals != 0 || sts[0].open != "none" {
		t.Fatalf("after the sign-in: %+v, want idle with no renewal and nothing open", sts)
	}
	sts = tl.statusesUntil("user", "closes WalkMe Editor")
	if len(sts) < 4 || sts[len(sts)-1].renewals < 3 {
		t.Fatalf("while the product was open: %+v, want active and at least 3 renewals", sts)
	}
	keptAlive(t, "while the product was open", sts, "WalkMeEditor")
	opened := sts[len(sts)-1].renewals
	closedAt := tl.lines[tl.next-1].at // said before the product stops

	// Close: idle, one closing renewal.
	sts = tl.statusesUntil("agent", "renewed once more as the window closed (R10)")
	last := sts[len(sts)-1]
	if last.state != "idle" || last.open != "none" || last.renewals != opened+1 {
		t.Fatalf("after the close: %+v, want idle with one closing renewal (%d)", sts, opened+1)
	}

	// Lapse: no renewal while idle, signed out (expired) at the deadline.
	sts = tl.statusesUntil("agent", "lapsed locally at the deadline (R11); keychain entry present: false")
	expired := sts[len(sts)-1]
	if expired.state != "signed_out" || expired.reason != "expired" {
		t.Fatalf("before the lapse was reported: %+v, want signed_out for expired", expired)
	}
	for _, st := range sts[:len(sts)-1] {
		if st.state != "idle" || st.renewals != opened+1 {
			t.Errorf("while idle: %+v, want idle with no other renewal", st)
		}
	}
	// The server's deadline is one timeout after the agent saw the close.
	// The agent lapses no later than that, and no more than a second
	// earlier: an idle agent's check learns the time left in whole seconds
	// (R11: never later than the server). The timeline's 0.1 s rounding
	// aside, lateness of this machine can only make the lapse later.
	if expired.at < closedAt+6-1-0.15 {
		t.Errorf("lapsed at %.1fs, the close was at %.1fs: earlier than the 6s timeout allows", expired.at, closedAt)
	}
	tl.expect("service", "introspection of the lapsed session's last token: active=false")

	// The browser half.
	if !browser {
		tl.expect("browser", "skipped: no Chromium here")
		sts = tl.statusesUntil("user", "signs out")
		if len(sts) != 1 || sts[0].state != "idle" {
			t.Errorf("signed in again, nothing open: %+v, want idle", sts)
		}
	} else {
		tl.expect("browser", "started headless with the WalkMe extension")
		tl.expect("user", `opens WalkMe in the browser`)
		if l := tl.lines[tl.next-1]; !strings.HasSuffix(l.text, `the page shows "signed out"`) {
			t.Errorf("the page opened while signed out shows: %q", l.text)
		}
		tl.expect("user", "signs in as ann@acme.example")
		tl.expect("browser", `the page follows the sign-in and shows "signed in as ann@acme.example"`)
		sts = tl.statusesUntil("agent", `the tab keeps the session alive: presence "browser:chromium"`)
		tl.expect("user", "signs out")
		if len(sts) < 2 || sts[len(sts)-1].renewals < opened+1+2 {
			t.Fatalf("while the tab was open: %+v, want at least 2 renewals after the sign-in", sts)
		}
		keptAlive(t, "while the tab was open", sts, "browser:chromium")
	}
	if l := tl.expect("agent", "state=signed_out reason=logout"); !browser && strings.Contains(l.text, "open=") {
		t.Errorf("signed out with nothing open: %q", l.text)
	}
	tl.expect("service", "introspection of the signed-out session's token: active=false")
	if browser {
		tl.expect("browser", `the WalkMe page shows "signed out"`)
	}
	tl.expect("demo", "done")
	if tl.next != len(tl.lines) {
		t.Errorf("lines after the end: %q", tl.lines[tl.next].text)
	}
}

// keptAlive checks the status lines printed while something kept the
// session open: each active with that presence, each one renewal after the
// one before, moving the deadline.
func keptAlive(t *testing.T, while string, sts []status, open string) {
	t.Helper()
	for i, st := range sts {
		if st.state != "active" || st.open != open {
			t.Errorf("%s: %+v, want active with the presence %s", while, st, open)
		}
		if i > 0 && (st.renewals != sts[i-1].renewals+1 || st.lapsesAt <= sts[i-1].lapsesAt) {
			t.Errorf("%s: %+v after %+v, want one renewal moving the deadline", while, st, sts[i-1])
		}
	}
}
