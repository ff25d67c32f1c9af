//go:build race

package mendix

// raceEnabled: timings mean little under the race detector.
const raceEnabled = true
