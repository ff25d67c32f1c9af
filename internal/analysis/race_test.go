//go:build race

package analysis_test

// raceEnabled: the race detector slows the code down several times, so
// timing limits are widened.
const raceEnabled = true
