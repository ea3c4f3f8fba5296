package power

import (
	"sync/atomic"
	"time"
)

// fakeSuspended is a suspended-time counter a test can advance, as a real
// suspend would.
type fakeSuspended struct{ total atomic.Int64 }

func (f *fakeSuspended) read() (time.Duration, error) { return time.Duration(f.total.Load()), nil }
func (f *fakeSuspended) sleep(d time.Duration)        { f.total.Add(int64(d)) }
