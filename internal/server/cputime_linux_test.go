package server_test

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// threadCPU measures the CPU time f spends on its thread (the goroutine is
// locked to it) with CLOCK_THREAD_CPUTIME_ID: unlike wall time, it does not
// grow when the machine is busy. Where that clock fails, it is wall time.
func threadCPU(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, ok := threadClock()
	if !ok {
		s := time.Now()
		f()
		return time.Since(s)
	}
	f()
	after, _ := threadClock()
	return after - before
}

func threadClock() (time.Duration, bool) {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano()), errno == 0
}
