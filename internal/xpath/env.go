package xpath

import (
	"fmt"
	"strings"
	"time"
)

// Env holds what tokens mean for one request. Token values are computed in
// Go, once per request, and bound as parameters: never spliced into SQL.
type Env struct {
	Now      time.Time
	Location *time.Location // the app's time zone; nil means UTC
	// CurrentUser is the signed-in user's object id; 0 means empty (no user,
	// or security level off).
	CurrentUser int64
	// UserRole gives the id of the System.UserRole object of a user role,
	// or 0 when there is none.
	UserRole func(name string) int64
}

func (env *Env) loc() *time.Location {
	if env.Location == nil {
		return time.UTC
	}
	return env.Location
}

// TokenValue computes a token with its duration arithmetic. Object tokens
// give an object id (0 = empty); date tokens give milliseconds since the
// Unix epoch.
func (env *Env) TokenValue(t *TokenLit) (int64, error) {
	switch {
	case t.Token == "CurrentUser":
		return env.CurrentUser, nil
	case strings.HasPrefix(t.Token, "UserRole_"):
		if env.UserRole == nil {
			return 0, nil
		}
		return env.UserRole(strings.TrimPrefix(t.Token, "UserRole_")), nil
	}
	v, err := env.dateToken(t.Token)
	if err != nil {
		return 0, err
	}
	for _, term := range t.Terms {
		v = env.addLength(v, term)
	}
	return v.UnixMilli(), nil
}

func (env *Env) dateToken(name string) (time.Time, error) {
	loc := env.loc()
	if n, ok := strings.CutSuffix(name, "UTC"); ok {
		name, loc = n, time.UTC
	}
	now := env.Now.In(loc)
	y, mo, d := now.Date()
	// midnight is the first instant of a date (time.Date can land before
	// it when the date starts in a gap, or after it when midnight repeats).
	midnight := func(y int, mo time.Month, d int) time.Time {
		return wallFloor(time.Date(y, mo, d, 12, 0, 0, 0, loc), day)
	}
	dayOf := func(offset int) time.Time { return midnight(y, mo, d+offset) }
	end := func(next time.Time) time.Time { return next.Add(-time.Millisecond) }
	weekStart := d - (int(now.Weekday())+6)%7 // weeks start on Monday
	switch name {
	case "CurrentDateTime":
		return env.Now.Truncate(time.Millisecond), nil
	case "BeginOfCurrentMinute":
		return wallFloor(now, time.Minute), nil
	case "EndOfCurrentMinute":
		return end(wallNext(now, time.Minute)), nil
	case "BeginOfCurrentHour":
		return wallFloor(now, time.Hour), nil
	case "EndOfCurrentHour":
		return end(wallNext(now, time.Hour)), nil
	case "BeginOfCurrentDay":
		return dayOf(0), nil
	case "EndOfCurrentDay":
		return end(dayOf(1)), nil
	case "BeginOfYesterday":
		return dayOf(-1), nil
	case "EndOfYesterday":
		return end(dayOf(0)), nil
	case "BeginOfTomorrow":
		return dayOf(1), nil
	case "EndOfTomorrow":
		return end(dayOf(2)), nil
	case "BeginOfCurrentWeek":
		return midnight(y, mo, weekStart), nil
	case "EndOfCurrentWeek":
		return end(midnight(y, mo, weekStart+7)), nil
	case "BeginOfCurrentMonth":
		return midnight(y, mo, 1), nil
	case "EndOfCurrentMonth":
		return end(midnight(y, mo+1, 1)), nil
	case "BeginOfCurrentYear":
		return midnight(y, 1, 1), nil
	case "EndOfCurrentYear":
		return end(midnight(y+1, 1, 1)), nil
	}
	return time.Time{}, fmt.Errorf("unknown token [%%%s%%]", name)
}

// Minute, hour and day bounds are found from a wall time, period by period
// of the zone, rather than with time.Date: when clocks go back a wall time
// occurs twice, when they go forward it does not occur at all, and time.Date
// then picks an instant that may lie on the wrong side of now.

const day = 24 * time.Hour

// wallInto is how far the wall clock of t is into its minute, hour or day.
func wallInto(t time.Time, unit time.Duration) time.Duration {
	d := time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	if unit >= time.Hour {
		d += time.Duration(t.Minute()) * time.Minute
	}
	if unit == day {
		d += time.Duration(t.Hour()) * time.Hour
	}
	return d
}

// startsUnit reports whether a zone change at instant t starts a new minute,
// hour or day: the wall clock jumps to another one, or (for minutes and
// hours) back to a whole one, as 03:00 CEST becoming 02:00 CET starts a new
// hour. A day starts only when the date changes.
func startsUnit(t time.Time, unit time.Duration) bool {
	if wallUnit(t.Add(-time.Nanosecond), unit) != wallUnit(t, unit) {
		return true // the wall clock left the unit it was in
	}
	return unit < day && wallInto(t, unit) == 0
}

// wallUnit is the wall time at which t's minute, hour or day began, as a
// time in UTC (a plain date and time, for comparing).
func wallUnit(t time.Time, unit time.Duration) time.Time {
	y, mo, d := t.Date()
	wall := time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return wall.Add(-wallInto(t, unit))
}

// wallFloor is the instant at or before t at which t's minute, hour or day
// began.
func wallFloor(t time.Time, unit time.Duration) time.Time {
	for {
		c := t.Add(-wallInto(t, unit))
		start, _ := t.ZoneBounds()
		if start.IsZero() || c.After(start) || start.After(t) {
			return c // the wall clock ran without a change from c to t
		}
		if startsUnit(start, unit) {
			return start
		}
		t = start.Add(-time.Nanosecond) // the unit began in the previous period
	}
}

// wallNext is the instant after t at which the next minute, hour or day
// begins.
func wallNext(t time.Time, unit time.Duration) time.Time {
	for {
		c := t.Add(unit - wallInto(t, unit))
		_, end := t.ZoneBounds()
		if end.IsZero() || c.Before(end) || !end.After(t) {
			return c
		}
		if startsUnit(end, unit) {
			return end
		}
		t = end // the unit goes on in the next period
	}
}

var fixedLengths = map[string]time.Duration{
	"SecondLength": time.Second, "MinuteLength": time.Minute, "HourLength": time.Hour,
	"DayLength": 24 * time.Hour, "WeekLength": 7 * 24 * time.Hour,
}

// addLength applies one term. Months and years are calendar steps in the
// app's time zone that clamp to the month's last day (31 January + 1 month
// is the last day of February).
func (env *Env) addLength(t time.Time, term DurationTerm) time.Time {
	n := term.Count * int64(term.Sign)
	if d, ok := fixedLengths[term.Unit]; ok {
		return t.Add(time.Duration(n) * d)
	}
	months := n
	if term.Unit == "YearLength" {
		months = n * 12
	}
	local := t.In(env.loc())
	y, mo, d := local.Date()
	total := int64(y)*12 + int64(mo-1) + months
	ty, tm := int(floorDiv(total, 12)), time.Month(floorMod(total, 12)+1)
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(ty, tm, min(d, last), local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), env.loc())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// DatePart computes a date-part function of an instant (milliseconds) in
// the app's time zone, or in UTC.
func DatePart(fn string, ms int64, loc *time.Location) int64 {
	t := time.UnixMilli(ms).In(loc)
	switch fn {
	case "year-from-dateTime":
		return int64(t.Year())
	case "month-from-dateTime":
		return int64(t.Month())
	case "day-from-dateTime":
		return int64(t.Day())
	case "hours-from-dateTime":
		return int64(t.Hour())
	case "minutes-from-dateTime":
		return int64(t.Minute())
	case "seconds-from-dateTime":
		return int64(t.Second())
	case "quarter-from-dateTime":
		return int64(t.Month()-1)/3 + 1
	case "day-of-year-from-dateTime":
		return int64(t.YearDay())
	case "week-from-dateTime":
		_, w := t.ISOWeek()
		return int64(w)
	case "weekday-from-dateTime":
		return int64(t.Weekday()) + 1 // 1 = Sunday
	}
	panic("unknown date function " + fn)
}
