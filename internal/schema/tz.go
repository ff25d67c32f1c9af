package schema

import (
	"time"
)

// Stmt is a statement with its arguments.
type Stmt struct {
	SQL  string
	Args []any
}

// Date-part functions must use the time-zone rules embedded in the Go
// build, not the database's. SQLite gets rampart_datepart as a Go function
// (internal/store); PostgreSQL gets a table of the zone's UTC offsets,
// computed here from Go's rules, and an SQL function that reads it.

// tzRange bounds the transitions written: beyond it the last offset holds.
var tzRange = [2]time.Time{
	time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
}

// PostgresTimeZoneSupport creates (or refreshes) the offsets of the given
// zones and the rampart_datepart function.
func PostgresTimeZoneSupport(zones ...string) ([]Stmt, error) {
	out := []Stmt{
		{SQL: `CREATE TABLE IF NOT EXISTS rampart_tz (zone TEXT NOT NULL, from_ms BIGINT NOT NULL, offset_ms BIGINT NOT NULL, PRIMARY KEY (zone, from_ms))`},
		{SQL: postgresDatePart},
	}
	for _, z := range append([]string{"UTC"}, zones...) {
		loc, err := time.LoadLocation(z)
		if err != nil {
			return nil, err
		}
		out = append(out, Stmt{SQL: `DELETE FROM rampart_tz WHERE zone = $1`, Args: []any{z}})
		for _, tr := range Transitions(loc) {
			out = append(out, Stmt{SQL: `INSERT INTO rampart_tz (zone, from_ms, offset_ms) VALUES ($1, $2, $3)`, Args: []any{z, tr[0], tr[1]}})
		}
	}
	return out, nil
}

// Transitions lists (start in ms, UTC offset in ms) of every period of loc
// between 1900 and 2100; the first starts at the smallest int64.
func Transitions(loc *time.Location) [][2]int64 {
	t := tzRange[0].In(loc)
	_, off := t.Zone()
	out := [][2]int64{{-1 << 62, int64(off) * 1000}}
	for t.Before(tzRange[1]) {
		_, end := t.ZoneBounds()
		switch {
		case end.IsZero():
			return out // the zone goes on forever
		case !end.After(t):
			// Go reports the end of a rule-based period at the year's
			// boundary again and again; step past it.
			end = t.Add(24 * time.Hour)
		}
		t = end.In(loc)
		if _, o := t.Zone(); int64(o)*1000 != out[len(out)-1][1] {
			out = append(out, [2]int64{t.UnixMilli(), int64(o) * 1000})
		}
	}
	return out
}

const postgresDatePart = `CREATE OR REPLACE FUNCTION rampart_datepart(fn TEXT, ms BIGINT, zone TEXT) RETURNS BIGINT
LANGUAGE sql STABLE STRICT AS $$
  WITH l AS (
    SELECT ms + coalesce((SELECT z.offset_ms FROM rampart_tz z WHERE z.zone = $3 AND z.from_ms <= $2 ORDER BY z.from_ms DESC LIMIT 1), 0) AS v
  ), d AS (
    SELECT DATE '1970-01-01' + floor(v::numeric / 86400000)::int AS day,
           ((v % 86400000) + 86400000) % 86400000 AS msday
    FROM l
  )
  SELECT CASE $1
    WHEN 'year-from-dateTime' THEN extract(year FROM day)::bigint
    WHEN 'month-from-dateTime' THEN extract(month FROM day)::bigint
    WHEN 'day-from-dateTime' THEN extract(day FROM day)::bigint
    WHEN 'hours-from-dateTime' THEN msday / 3600000
    WHEN 'minutes-from-dateTime' THEN (msday / 60000) % 60
    WHEN 'seconds-from-dateTime' THEN (msday / 1000) % 60
    WHEN 'quarter-from-dateTime' THEN extract(quarter FROM day)::bigint
    WHEN 'day-of-year-from-dateTime' THEN extract(doy FROM day)::bigint
    WHEN 'week-from-dateTime' THEN extract(week FROM day)::bigint
    WHEN 'weekday-from-dateTime' THEN extract(dow FROM day)::bigint + 1
  END FROM d
$$`
