//go:build darwin && cgo

package power

/*
#cgo LDFLAGS: -framework IOKit -framework CoreFoundation
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <dispatch/dispatch.h>
#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitLib.h>
#include <IOKit/IOMessage.h>
#include <IOKit/pwr_mgt/IOPMLib.h>

// Implemented in Go (iokit_export_darwin.go).
extern void walkmePowerMessage(uintptr_t handle, uint32_t msg);

typedef struct {
	io_connect_t root;
	IONotificationPortRef port;
	io_object_t notifier;
	dispatch_queue_t queue;
	uintptr_t handle;
} walkme_power;

// walkme_power_cb runs on the watcher's dispatch queue. Every sleep
// query is acknowledged at once: the agent never vetoes or delays a
// sleep beyond recording it.
static void walkme_power_cb(void *refcon, io_service_t service, natural_t type, void *arg) {
	walkme_power *p = refcon;
	switch (type) {
	case kIOMessageCanSystemSleep:
		IOAllowPowerChange(p->root, (long)arg);
		break;
	case kIOMessageSystemWillSleep:
		walkmePowerMessage(p->handle, type); // returns once "asleep" is recorded (bounded)
		IOAllowPowerChange(p->root, (long)arg);
		break;
	case kIOMessageSystemWillNotSleep:
	case kIOMessageSystemWillPowerOn:
	case kIOMessageSystemHasPoweredOn:
		walkmePowerMessage(p->handle, type);
		break;
	}
}

static walkme_power *walkme_power_start(uintptr_t handle) {
	walkme_power *p = calloc(1, sizeof *p);
	if (p == NULL) return NULL;
	p->handle = handle;
	p->root = IORegisterForSystemPower(p, &p->port, walkme_power_cb, &p->notifier);
	if (p->root == MACH_PORT_NULL) {
		free(p);
		return NULL;
	}
	p->queue = dispatch_queue_create("com.walkme.session-agent.power", DISPATCH_QUEUE_SERIAL);
	IONotificationPortSetDispatchQueue(p->port, p->queue);
	return p;
}

static void walkme_noop(void *ctx) {}

static void walkme_power_stop(walkme_power *p) {
	IODeregisterForSystemPower(&p->notifier);
	IOServiceClose(p->root);
	IONotificationPortDestroy(p->port);
	dispatch_sync_f(p->queue, NULL, walkme_noop); // let a running callback finish
	dispatch_release(p->queue);
	free(p);
}

// walkme_clamshell reads AppleClamshellState from IOPMrootDomain:
// 1 closed, 0 open, -1 unknown (no lid, or no such property).
static int walkme_clamshell(void) {
	io_service_t root = IOServiceGetMatchingService(MACH_PORT_NULL, IOServiceMatching("IOPMrootDomain"));
	if (root == MACH_PORT_NULL) return -1;
	CFTypeRef v = IORegistryEntryCreateCFProperty(root, CFSTR("AppleClamshellState"), kCFAllocatorDefault, 0);
	IOObjectRelease(root);
	if (v == NULL) return -1;
	int closed = -1;
	if (CFGetTypeID(v) == CFBooleanGetTypeID()) closed = CFBooleanGetValue((CFBooleanRef)v) ? 1 : 0;
	CFRelease(v);
	return closed;
}

// walkme_capabilities asks powerd for the system's capabilities
// (IOPMConnectionGetSystemCapabilities, exported by IOKit but declared
// only in a private header, so it is looked up at run time). It returns
// 0 when the call is unavailable.
static int walkme_capabilities(uint32_t *caps) {
	typedef uint32_t (*getcaps_fn)(void);
	static getcaps_fn getcaps;
	static int looked;
	if (!looked) {
		getcaps = (getcaps_fn)dlsym(RTLD_DEFAULT, "IOPMConnectionGetSystemCapabilities");
		looked = 1;
	}
	if (getcaps == NULL) return 0;
	*caps = getcaps();
	return 1;
}
*/
import "C"

// IOKit messages (IOMessage.h) that the Go side handles.
const (
	msgSystemWillSleep    = 0xe0000280
	msgSystemWillNotSleep = 0xe0000290
	msgSystemHasPoweredOn = 0xe0000300
	msgSystemWillPowerOn  = 0xe0000320
)

// Capability bits (IOPMCapabilityBits): a dark wake has the CPU but no
// graphics.
const (
	capabilityCPU   = 0x1
	capabilityVideo = 0x2
)

// powerStart registers for system power notifications; 0 on failure.
func powerStart(handle uintptr) *C.walkme_power {
	return C.walkme_power_start(C.uintptr_t(handle))
}

func powerStop(p *C.walkme_power) { C.walkme_power_stop(p) }

// clamshellClosed reads the lid; known is false on a Mac without one.
func clamshellClosed() (closed, known bool) {
	switch C.walkme_clamshell() {
	case 1:
		return true, true
	case 0:
		return false, true
	}
	return false, false
}

// darkWakeNow asks powerd whether the machine is in a dark wake (Power
// Nap): running without graphics.
func darkWakeNow() (dark, known bool) {
	var caps C.uint32_t
	if C.walkme_capabilities(&caps) == 0 {
		return false, false
	}
	return caps&capabilityCPU != 0 && caps&capabilityVideo == 0, true
}
