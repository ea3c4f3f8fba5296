package testenv

import "sync"

// Race calls f(0) … f(n-1), each in its own goroutine, all released at
// the same moment so that the calls overlap as far as the scheduler lets
// them, and returns when every call has. f records its own results
// (typically in slices indexed by i).
func Race(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}
