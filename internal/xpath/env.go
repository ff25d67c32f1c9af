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
	h, mi := now.Hour(), now.Minute()
	day := func(offset int) time.Time { return time.Date(y, mo, d+offset, 0, 0, 0, 0, loc) }
	end := func(next time.Time) time.Time { return next.Add(-time.Millisecond) }
	weekStart := d - (int(now.Weekday())+6)%7 // weeks start on Monday
	switch name {
	case "CurrentDateTime":
		return env.Now.Truncate(time.Millisecond), nil
	case "BeginOfCurrentMinute":
		return time.Date(y, mo, d, h, mi, 0, 0, loc), nil
	case "EndOfCurrentMinute":
		return end(time.Date(y, mo, d, h, mi+1, 0, 0, loc)), nil
	case "BeginOfCurrentHour":
		return time.Date(y, mo, d, h, 0, 0, 0, loc), nil
	case "EndOfCurrentHour":
		return end(time.Date(y, mo, d, h+1, 0, 0, 0, loc)), nil
	case "BeginOfCurrentDay":
		return day(0), nil
	case "EndOfCurrentDay":
		return end(day(1)), nil
	case "BeginOfYesterday":
		return day(-1), nil
	case "EndOfYesterday":
		return end(day(0)), nil
	case "BeginOfTomorrow":
		return day(1), nil
	case "EndOfTomorrow":
		return end(day(2)), nil
	case "BeginOfCurrentWeek":
		return time.Date(y, mo, weekStart, 0, 0, 0, 0, loc), nil
	case "EndOfCurrentWeek":
		return end(time.Date(y, mo, weekStart+7, 0, 0, 0, 0, loc)), nil
	case "BeginOfCurrentMonth":
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc), nil
	case "EndOfCurrentMonth":
		return end(time.Date(y, mo+1, 1, 0, 0, 0, 0, loc)), nil
	case "BeginOfCurrentYear":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), nil
	case "EndOfCurrentYear":
		return end(time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)), nil
	}
	return time.Time{}, fmt.Errorf("unknown token [%%%s%%]", name)
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
