//go:build linux

package bench

import (
	"container/heap"
	"context"
	"crypto/rand"
	"flag"
	mrand "math/rand/v2"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/session"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/internal/testenv/sessiondtest"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

var (
	fleetAgents  = flag.Int("fleet.agents", 20_000, "BenchmarkFleet: simulated agents of each kind")
	fleetCluster = flag.Bool("fleet.cluster", false, "BenchmarkFleet: a three-master Redis Cluster instead of one redis-server")
)

// fleetWorkers is how many requests of one step are in flight at once.
const fleetWorkers = 32

// BenchmarkFleet runs a morning of the fleet (fleetsim_linux_test.go)
// against walkme-sessiond on Redis: -fleet.agents agents with the real
// rules and as many naive 15-minute tickers, on the same server in the
// same run. It reports, for each kind, the busiest virtual second over the
// mean, the p99 latency, the requests, and the sessions wrongly lapsed
// (ended while the rules say they must be live) and wrongly kept alive
// (live past one timeout after the last use).
func BenchmarkFleet(b *testing.B) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Skip("redis-server not installed (Debian package redis-server)")
	}
	r := runFleet(b, *fleetAgents, *fleetCluster)
	b.ReportMetric(0, "ns/op")
	for _, k := range []struct {
		name string
		t    *fleetTally
	}{{"rules", r.rules}, {"naive", r.naive}} {
		peak, mean := k.t.peakOverMean()
		b.ReportMetric(float64(k.t.requests), k.name+"-requests")
		b.ReportMetric(float64(k.t.checks), k.name+"-introspections")
		b.ReportMetric(peak, k.name+"-peak-req/s")
		b.ReportMetric(mean, k.name+"-mean-req/s")
		b.ReportMetric(peak/mean, k.name+"-peak/mean")
		b.ReportMetric(k.t.windowPeakOverMean(r.day.wake, 2*time.Minute), k.name+"-wake-peak/mean")
		b.ReportMetric(float64(k.t.p99().Microseconds())/1000, k.name+"-p99-ms")
		b.ReportMetric(float64(len(k.t.wronglyLapsed)), k.name+"-wrongly-lapsed")
		b.ReportMetric(float64(len(k.t.wronglyAlive)), k.name+"-wrongly-alive")
	}
	b.ReportMetric(r.wall.Seconds(), "wall-s")
}

// TestFleetSlice is a 200-agent slice of BenchmarkFleet: the real rules
// wrongly lapse and wrongly keep alive no session, while the naive
// tickers, in the same run, do both — so the checks can tell.
func TestFleetSlice(t *testing.T) {
	testenv.Command(t, "redis-server")
	r := runFleet(t, 200, false)
	if n := len(r.rules.wronglyLapsed); n != 0 {
		t.Errorf("the rules wrongly lapsed %d sessions", n)
	}
	if n := len(r.rules.wronglyAlive); n != 0 {
		t.Errorf("the rules wrongly kept %d sessions alive", n)
	}
	if len(r.naive.wronglyLapsed) == 0 || len(r.naive.wronglyAlive) == 0 {
		t.Errorf("naive tickers: %d wrongly lapsed, %d wrongly kept alive; the checks should catch both",
			len(r.naive.wronglyLapsed), len(r.naive.wronglyAlive))
	}
	if r.rules.requests < 200 || r.rules.refused != 0 {
		t.Errorf("the rules sent %d requests, %d refused", r.rules.requests, r.rules.refused)
	}
	t.Logf("rules: %d requests; naive: %d requests, %d wrongly lapsed, %d wrongly kept alive; %v",
		r.rules.requests, r.naive.requests, len(r.naive.wronglyLapsed), len(r.naive.wronglyAlive), r.wall.Round(time.Millisecond))
}

type fleetResult struct {
	day          fleetDay
	rules, naive *fleetTally
	wall         time.Duration
}

// runFleet simulates n users of each kind from 8:30 to 10:45.
func runFleet(tb testing.TB, n int, cluster bool) fleetResult {
	tb.Helper()
	ctx := context.Background()
	u := redistest.Start
	if cluster {
		u = redistest.StartCluster
	}
	st, err := redisstore.Open(ctx, u(tb), redisstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	day := newFleetDay()
	clk := &vclock{now: day.start.Add(-time.Hour)}
	users := map[string]server.User{}
	for _, a := range day.accounts {
		usr, err := st.AddUser(ctx, a.name, "staff@"+a.name+".example", "fleet-password-1", false)
		if err != nil {
			tb.Fatal(err)
		}
		users[a.name] = usr
		if _, err := st.SetInactivityTimeout(ctx, a.name, a.timeout, server.Activity{At: clk.Now(), Actor: "bench", Action: "security.inactivity_timeout"}); err != nil {
			tb.Fatal(err)
		}
	}
	svc := sessiondtest.Start(tb, sessiondtest.Options{Store: st, Now: clk.Now})

	rnd := mrand.New(mrand.NewPCG(1, 2))
	plans := day.newPlans(n, rnd)
	agents := make([]*simAgent, 0, 2*n)
	for _, p := range plans {
		for _, naive := range []bool{false, true} {
			a := &simAgent{plan: p, naive: naive, sid: "s_" + rand.Text(), token: rand.Text() + rand.Text()}
			a.makeScript()
			if naive {
				a.tick = step(p.signIn.Add(15 * time.Minute))
			} else {
				a.m = session.New(session.Policy{RenewInterval: 15 * time.Minute, Jitter: rnd.Float64})
				a.m.SignIn(p.signIn, session.Session{User: users[p.account].Email, LastRenewal: p.signIn, Timeout: p.timeout, Deadline: p.signIn.Add(p.timeout)})
				a.m.SetProcesses(p.signIn, []string{"WalkMe Editor"})
			}
			agents = append(agents, a)
		}
	}
	seedSessions(tb, st, users, agents)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: fleetWorkers}, Timeout: time.Minute}
	tb.Cleanup(hc.CloseIdleConnections)
	res := fleetResult{day: day, rules: newTally(), naive: newTally()}
	tally := func(a *simAgent) *fleetTally {
		if a.naive {
			return res.naive
		}
		return res.rules
	}
	q := simQueue{}
	for _, a := range agents {
		q.requeue(a)
	}
	start := time.Now()
	for q.Len() > 0 && !q[0].queued.After(day.end) {
		t := q[0].queued
		clk.set(t)
		var touched []*simAgent
		var reqs []*simRequest
		for q.Len() > 0 && q[0].queued.Equal(t) {
			a := heap.Pop(&q).(*simAgent)
			touched = append(touched, a)
			if r := a.advance(t); r != nil {
				reqs = append(reqs, r)
			}
		}
		for len(reqs) > 0 {
			answers := sendAll(ctx, hc, svc.URL, reqs)
			var next []*simRequest
			for i, r := range reqs {
				nr, err := tally(r.a).settle(r, answers[i], t)
				if err != nil {
					tb.Fatalf("at %s: %v", t.Format("15:04:05.0"), err)
				}
				if nr != nil {
					next = append(next, nr)
				}
			}
			reqs = next
		}
		for _, a := range touched {
			q.requeue(a)
		}
	}
	res.wall = time.Since(start)
	// Where every session stands at the end.
	clk.set(day.end)
	for _, a := range agents {
		ss, err := st.Session(ctx, a.sid)
		if err != nil {
			tb.Fatalf("session %s at the end: %v", a.sid, err)
		}
		tally(a).observe(a, day.end, ss.Live(day.end), ss.LapsesAt())
	}
	return res
}

// seedSessions signs every agent in through the store, as the code
// exchange would (server.TokenHash of its refresh token), at its plan's
// sign-in time: a sign-in costs a bcrypt comparison, which the morning
// under test does not include.
func seedSessions(tb testing.TB, st server.Store, users map[string]server.User, agents []*simAgent) {
	tb.Helper()
	ctx := context.Background()
	work := make(chan *simAgent)
	errs := make(chan error, fleetWorkers)
	var wg sync.WaitGroup
	for range fleetWorkers {
		wg.Go(func() {
			for a := range work {
				p := a.plan
				ss := server.Session{ID: a.sid, Account: p.account, UserID: users[p.account].ID, ClientID: server.AgentClientID,
					Scope: "openid email", AuthTime: p.signIn, LastRenewal: p.signIn, InUse: true}
				if err := st.CreateSession(ctx, ss, server.TokenHash(a.token), ""); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, a := range agents {
		select {
		case work <- a:
		case err := <-errs:
			tb.Fatalf("seed sessions: %v", err)
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatalf("seed sessions: %v", err)
	default:
	}
}

// sendAll sends one step's requests, fleetWorkers at a time.
func sendAll(ctx context.Context, hc *http.Client, issuer string, reqs []*simRequest) []simAnswer {
	answers := make([]simAnswer, len(reqs))
	if len(reqs) == 1 {
		answers[0] = send(ctx, hc, issuer, reqs[0])
		return answers
	}
	idx := make(chan int)
	var wg sync.WaitGroup
	for range min(fleetWorkers, len(reqs)) {
		wg.Go(func() {
			for i := range idx {
				answers[i] = send(ctx, hc, issuer, reqs[i])
			}
		})
	}
	for i := range reqs {
		idx <- i
	}
	close(idx)
	wg.Wait()
	return answers
}
