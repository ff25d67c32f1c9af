//go:build !linux

package server_test

import "time"

// threadCPU is wall time where thread CPU time is not available.
func threadCPU(f func()) time.Duration {
	s := time.Now()
	f()
	return time.Since(s)
}
