//go:build !unix

package main

import "time"

// cpuTime is unknown here: the cpu/req column shows 0.
func cpuTime() time.Duration { return 0 }
