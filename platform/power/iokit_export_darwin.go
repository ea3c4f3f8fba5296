//go:build darwin && cgo

package power

// #include <stdint.h>
import "C"

import "runtime/cgo"

// walkmePowerMessage is IOKit's power callback, forwarded from C on the
// watcher's dispatch queue.
//
//export walkmePowerMessage
func walkmePowerMessage(handle C.uintptr_t, msg C.uint32_t) {
	w, ok := cgo.Handle(handle).Value().(*iokitWatcher)
	if ok {
		w.message(uint32(msg))
	}
}
