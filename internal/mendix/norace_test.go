//go:build !race

package mendix

const raceEnabled = false
