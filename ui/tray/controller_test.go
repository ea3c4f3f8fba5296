package tray

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/ui/menu"
)

// gatedView holds the first show until release is closed, and records the
// order in which models reached the screen and how many shows overlapped.
type gatedView struct {
	entered chan struct{} // closed when the first show has started
	release chan struct{}

	mu       sync.Mutex
	calls    int
	inFlight int
	overlap  bool
	screen   []menu.Model // in the order each show finished
}

func (v *gatedView) show(m menu.Model) {
	v.mu.Lock()
	v.calls++
	first := v.calls == 1
	v.inFlight++
	v.overlap = v.overlap || v.inFlight > 1
	v.mu.Unlock()
	if first {
		close(v.entered)
		<-v.release
	}
	v.mu.Lock()
	v.inFlight--
	v.screen = append(v.screen, m)
	v.mu.Unlock()
}

func (v *gatedView) quit() {}

// Two updates race to the screen: the event stream's and the idle-warning
// timer's. The older model must never be drawn over the newer one, and the
// view must never be drawn from two goroutines at once.
func TestUpdatesReachTheScreenInOrder(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	v := &gatedView{entered: make(chan struct{}), release: make(chan struct{})}
	c := newController(Options{Logger: slog.New(slog.DiscardHandler), NotifyLead: -1,
		Now: func() time.Time { return now }, Location: time.UTC}, v)
	older := localapi.Status{State: localapi.StateActive, User: "ann@acme.example"}
	newer := localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonLogout}

	var wg sync.WaitGroup
	wg.Go(func() { c.update(older, true) })
	<-v.entered // the older model is being drawn, slowly
	wg.Go(func() { c.update(newer, true) })
	want := menu.Build(newer, true, now, time.UTC)
	testenv.WaitFor(t, 10*time.Second, "the newer status to be recorded", func() bool {
		return c.current().Icon == want.Icon
	})
	close(v.release)
	wg.Wait()

	v.mu.Lock()
	defer v.mu.Unlock()
	if v.overlap {
		t.Error("show ran on two goroutines at once")
	}
	if got := v.screen[len(v.screen)-1]; got.Icon != want.Icon || got.Tooltip != want.Tooltip {
		t.Errorf("on screen at the end: %q (%v), want the newer model %q (%v)", got.Tooltip, got.Icon, want.Tooltip, want.Icon)
	}
}
