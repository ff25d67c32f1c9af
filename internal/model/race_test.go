//go:build race

package model_test

// raceEnabled: the race detector slows the code down several times, so
// timing limits are widened.
const raceEnabled = true
