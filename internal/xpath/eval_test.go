package xpath_test

// Unit tests of the reference evaluator on tiny hand-built data: the
// semantics that are easy to get wrong (existential paths, empty values,
// case folding, date tokens around daylight-saving changes, calendar
// arithmetic).

import (
	"fmt"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/xpath"
)

// evalAll evaluates src on every object of entity in data.
func evalAll(t *testing.T, data *gData, entity, src string, env *xpath.Env) map[int64]bool {
	t.Helper()
	e := goldenEntity(t, data.app, entity)
	b, err := xpath.ParseAndBind(data.app, e, src)
	if err != nil {
		t.Fatalf("%s: %v (column %d)", src, err, errCol(err))
	}
	out := map[int64]bool{}
	for _, id := range data.ids {
		if data.objs[id].entity.IsA(e) {
			out[id] = xpath.Eval(b, data, nil, env, id)
		}
	}
	return out
}

// holdsFor lists the objects (in data order) for which src holds.
func holdsFor(t *testing.T, data *gData, entity, src string, env *xpath.Env) []int64 {
	t.Helper()
	res := evalAll(t, data, entity, src, env)
	var out []int64
	for _, id := range data.ids {
		if res[id] {
			out = append(out, id)
		}
	}
	return out
}

func labEnv(t *testing.T) *xpath.Env { return goldenEnv(goldenApp(t, "lab"), 42) }

func TestEvalExistential(t *testing.T) {
	d := newGData(goldenApp(t, "lab"))
	d.add(10, "Lab.Special", map[string]any{"Count": 3})
	d.add(11, "Lab.Special", map[string]any{"Count": 7})
	d.add(12, "Lab.Special", map[string]any{}) // Count empty
	d.add(20, "Lab.Item", map[string]any{"Lab.Item_Specials": []int64{10, 11}})
	d.add(21, "Lab.Item", map[string]any{"Lab.Item_Specials": []int64{10}})
	d.add(22, "Lab.Item", map[string]any{"Lab.Item_Specials": []int64{11}})
	d.add(23, "Lab.Item", map[string]any{})
	d.add(24, "Lab.Item", map[string]any{"Lab.Item_Specials": []int64{12}})
	env := labEnv(t)
	const path = "Lab.Item_Specials/Lab.Special/Count"
	for _, tc := range []struct {
		src  string
		want []int64
	}{
		// Some value > 5: item 20 has 3 and 7, so both > 5 and <= 5 hold.
		{"[" + path + " > 5]", []int64{20, 22}},
		{"[" + path + " <= 5]", []int64{20, 21}},
		// not() negates the existential: nothing reached (23) and only an
		// empty value (24) make it true, and 20 is excluded.
		{"[not(" + path + " > 5)]", []int64{21, 23, 24}},
		// = empty: nothing reached, or an object with no value.
		{"[" + path + " = empty]", []int64{23, 24}},
		{"[" + path + " != empty]", []int64{20, 21, 22}},
		// != holds when some value differs, or when nothing is reached.
		{"[" + path + " != 3]", []int64{20, 22, 23, 24}},
		{"[not(" + path + " = 3)]", []int64{22, 23, 24}},
		// Existence tests.
		{"[Lab.Item_Specials/Lab.Special]", []int64{20, 21, 22, 24}},
		{"[Lab.Item_Specials/Lab.Special[Count > 5]]", []int64{20, 22}},
		{"[not(Lab.Item_Specials/Lab.Special[Count <= 5])]", []int64{22, 23, 24}},
	} {
		if got := holdsFor(t, d, "Lab.Item", tc.src, env); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: holds for %v, want %v", tc.src, got, tc.want)
		}
	}
}

// TestEvalEmptyOperators checks every operator with an empty value on
// either side, for each kind of attribute.
func TestEvalEmptyOperators(t *testing.T) {
	d := newGData(goldenApp(t, "lab"))
	d.add(10, "Lab.Node", map[string]any{}) // everything empty (Flag false)
	d.add(11, "Lab.Node", map[string]any{"Title": "m", "Count": 5, "Big": int64(5), "Price": "5", "At": "2024-03-31T01:00:00Z", "Color": "Green"})
	env := labEnv(t)
	values := map[string]string{ // a non-empty literal equal to object 11's value
		"Title": "'m'", "Count": "5", "Big": "5", "Price": "5.00", "At": "'2024-03-31T01:00:00Z'", "Color": "'Green'",
	}
	type row struct{ emptyVsValue, valueVsEmpty, emptyVsEmpty, valueVsValue bool }
	want := map[string]row{
		"=":  {false, false, true, true},
		"!=": {true, true, false, false},
		"<":  {false, false, false, false},
		"<=": {false, false, false, true},
		">":  {false, false, false, false},
		">=": {false, false, false, true},
	}
	for attr, lit := range values {
		for op, w := range want {
			if attr == "Color" && op != "=" && op != "!=" {
				continue // Enumerations compare with = and != only
			}
			for _, empty := range []string{"empty", "NULL", "''"} {
				check := func(id int64, src string, want bool) {
					t.Helper()
					if got := evalAll(t, d, "Lab.Node", src, env)[id]; got != want {
						t.Errorf("object %d %s: %v, want %v", id, src, got, want)
					}
				}
				check(10, fmt.Sprintf("[%s %s %s]", attr, op, lit), w.emptyVsValue)
				check(11, fmt.Sprintf("[%s %s %s]", attr, op, empty), w.valueVsEmpty)
				check(10, fmt.Sprintf("[%s %s %s]", attr, op, empty), w.emptyVsEmpty)
				check(11, fmt.Sprintf("[%s %s %s]", attr, op, lit), w.valueVsValue)
			}
		}
	}
	// A Boolean is never empty.
	if got := holdsFor(t, d, "Lab.Node", "[Flag = empty or Flag = false()]", env); fmt.Sprint(got) != "[10 11]" {
		t.Errorf("Flag: %v", got)
	}
	// A date part of empty is empty; string-length of empty is 0.
	for src, want := range map[string]string{
		"[year-from-dateTime(At) = empty]":         "[10]",
		"[year-from-dateTime(At) != 2024]":         "[10]",
		"[year-from-dateTime(At) < 3000]":          "[11]",
		"[string-length(Title) = 0]":               "[10]",
		"[string-length(Title) < 1]":               "[10]",
		"[string-length(Title) = empty]":           "[]",
		"[string-length(Title) != empty]":          "[10 11]",
		"[Lab.Node_Parent = empty]":                "[10 11]",
		"[Lab.Node_Parent/Lab.Node/Count = empty]": "[10 11]",
		"[Lab.Node_Parent/Lab.Node/Count != 5]":    "[10 11]",
		"[Lab.Node_Parent/Lab.Node/Count < 5]":     "[]",
	} {
		if got := holdsFor(t, d, "Lab.Node", src, env); fmt.Sprint(got) != want {
			t.Errorf("%s: holds for %v, want %v", src, got, want)
		}
	}
}

func TestEvalCaseFolding(t *testing.T) {
	d := newGData(goldenApp(t, "lab"))
	titles := map[int64]string{
		10: "ΣΊΣΥΦΟΣ",     // capital sigma everywhere
		11: "σίσυφος",     // final sigma at the end
		12: "\u212Aelvin", // KELVIN SIGN
		13: "kelvin",      //
		14: "Straße",      // ß has only a full folding (ss)
		15: "STRASSE",     //
		16: "İstanbul",    // U+0130 has no simple folding
		17: "istanbul",    //
		18: "Bravo",       // B sorts after a once folded
		19: "ﬀ",           // U+FB00 folds only fully (ff)
	}
	for id, s := range titles {
		d.add(id, "Lab.Node", map[string]any{"Title": s})
	}
	d.ids = []int64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	env := labEnv(t)
	for _, tc := range []struct{ src, want string }{
		{"[Title = 'σίσυφοσ']", "[10 11]"},
		{"[Title = 'ΣΊΣΥΦΟς']", "[10 11]"},
		{"[ends-with(Title, 'ς')]", "[10 11]"},
		{"[Title = 'KELVIN']", "[12 13]"},
		{"[starts-with(Title, '\u212A')]", "[12 13]"},
		{"[Title = 'strasse']", "[15]"},
		{"[contains(Title, 'SS')]", "[15]"},
		{"[Title = 'istanbul']", "[17]"},
		{"[Title = 'İSTANBUL']", "[16]"},
		{"[Title = 'FF']", "[]"},
		{"[Title = 'ﬀ']", "[19]"},
		// Order compares folded strings code point by code point: 'bravo'
		// is after 'a' and before 'c' although 'B' < 'a' in raw order.
		{"[Title > 'a' and Title < 'c']", "[18]"},
		{"[Title >= 'σ']", "[10 11 19]"}, // U+FB00 is after U+03C3
	} {
		if got := holdsFor(t, d, "Lab.Node", tc.src, env); fmt.Sprint(got) != tc.want {
			t.Errorf("%s: holds for %v, want %s", tc.src, got, tc.want)
		}
	}
	if xpath.Fold("ΣΊΣΥΦΟΣ") != xpath.Fold("σίσυφος") || xpath.Fold("\u212A") != "k" {
		t.Errorf("Fold: %q %q %q", xpath.Fold("ΣΊΣΥΦΟΣ"), xpath.Fold("σίσυφος"), xpath.Fold("\u212A"))
	}
}

func TestEvalStringFunctions(t *testing.T) {
	d := newGData(goldenApp(t, "lab"))
	d.add(10, "Lab.Node", map[string]any{})
	d.add(11, "Lab.Node", map[string]any{"Title": "a"})
	d.add(12, "Lab.Node", map[string]any{"Title": "héllo😀"})
	env := labEnv(t)
	for _, tc := range []struct{ src, want string }{
		{"[contains(Title, '')]", "[11 12]"}, // holds when Title is not empty
		{"[starts-with(Title, '')]", "[11 12]"},
		{"[ends-with(Title, '')]", "[11 12]"},
		{"[not(contains(Title, ''))]", "[10]"},
		{"[contains(Title, 'LLO😀')]", "[12]"},
		{"[starts-with(Title, 'HÉ')]", "[12]"},
		{"[ends-with(Title, 'o😀')]", "[12]"},
		{"[ends-with(Title, 'xhéllo😀')]", "[]"},
		{"[string-length(Title) = 0]", "[10]"},
		{"[string-length(Title) = 1]", "[11]"},
		{"[string-length(Title) = 6]", "[12]"}, // code points, not bytes
		{"[length(Title) > 5]", "[12]"},
	} {
		if got := holdsFor(t, d, "Lab.Node", tc.src, env); fmt.Sprint(got) != tc.want {
			t.Errorf("%s: holds for %v, want %s", tc.src, got, tc.want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tokenAt computes a token string such as "[%BeginOfCurrentDay%] + [%MonthLength%]".
func tokenAt(t *testing.T, env *xpath.Env, text string) time.Time {
	t.Helper()
	c, err := xpath.Parse("[createdDate = '" + text + "']")
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	tok, ok := c.Brackets[0].(*xpath.Compare).Value.(*xpath.TokenLit)
	if !ok {
		t.Fatalf("%s is not a token", text)
	}
	ms, err := env.TokenValue(tok)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return time.UnixMilli(ms).UTC()
}

func amsterdam(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestEvalTokensAroundDST: 2024-03-31 is a 23-hour day in Amsterdam (02:00
// CET becomes 03:00 CEST at 01:00 UTC) and 2024-10-27 a 25-hour day (03:00
// CEST becomes 02:00 CET at 01:00 UTC, so 02:00–03:00 happens twice).
func TestEvalTokensAroundDST(t *testing.T) {
	loc := amsterdam(t)
	for _, tc := range []struct {
		now   string
		token string
		want  string
	}{
		// 01:30 CET, before the change.
		{"2024-03-31T00:30:00Z", "BeginOfCurrentHour", "2024-03-31T00:00:00Z"},
		{"2024-03-31T00:30:00Z", "EndOfCurrentHour", "2024-03-31T00:59:59.999Z"},
		{"2024-03-31T00:30:00Z", "BeginOfCurrentDay", "2024-03-30T23:00:00Z"},
		{"2024-03-31T00:30:00Z", "EndOfCurrentDay", "2024-03-31T21:59:59.999Z"},
		// 03:30 CEST, after it.
		{"2024-03-31T01:30:00Z", "BeginOfCurrentHour", "2024-03-31T01:00:00Z"},
		{"2024-03-31T01:30:00Z", "BeginOfCurrentMinute", "2024-03-31T01:30:00Z"},
		{"2024-03-31T01:30:00Z", "EndOfCurrentMinute", "2024-03-31T01:30:59.999Z"},
		{"2024-03-31T01:30:00Z", "BeginOfCurrentDay", "2024-03-30T23:00:00Z"},
		{"2024-03-31T01:30:00Z", "BeginOfCurrentDayUTC", "2024-03-31T00:00:00Z"},
		{"2024-03-31T01:30:00Z", "BeginOfYesterday", "2024-03-29T23:00:00Z"},
		{"2024-03-31T01:30:00Z", "EndOfYesterday", "2024-03-30T22:59:59.999Z"},
		{"2024-03-31T01:30:00Z", "BeginOfTomorrow", "2024-03-31T22:00:00Z"},
		{"2024-03-31T01:30:00Z", "EndOfTomorrow", "2024-04-01T21:59:59.999Z"},
		{"2024-03-31T01:30:00Z", "BeginOfCurrentMonth", "2024-02-29T23:00:00Z"},
		{"2024-03-31T01:30:00Z", "EndOfCurrentMonth", "2024-03-31T21:59:59.999Z"},
		{"2024-03-31T01:30:00Z", "BeginOfCurrentYear", "2023-12-31T23:00:00Z"},
		{"2024-03-31T01:30:00Z", "EndOfCurrentYearUTC", "2024-12-31T23:59:59.999Z"},
		// The day in hours: fixed lengths are durations, so one DayLength
		// before 03:30 CEST is 02:30 CET the day before.
		{"2024-03-31T01:30:00Z", "CurrentDateTime%] - [%DayLength", "2024-03-30T01:30:00Z"},
		{"2024-03-31T01:30:00Z", "BeginOfCurrentDay%] + 24 * [%HourLength", "2024-03-31T23:00:00Z"},
		// The repeated hour: 02:30 CEST (first pass) and 02:30 CET (second).
		{"2024-10-27T00:30:00Z", "BeginOfCurrentHour", "2024-10-27T00:00:00Z"},
		{"2024-10-27T00:30:00Z", "EndOfCurrentHour", "2024-10-27T00:59:59.999Z"},
		{"2024-10-27T00:30:00Z", "BeginOfCurrentMinute", "2024-10-27T00:30:00Z"},
		{"2024-10-27T01:30:00Z", "BeginOfCurrentHour", "2024-10-27T01:00:00Z"},
		{"2024-10-27T01:30:00Z", "EndOfCurrentHour", "2024-10-27T01:59:59.999Z"},
		{"2024-10-26T23:30:00Z", "EndOfCurrentHour", "2024-10-26T23:59:59.999Z"},
		{"2024-10-27T01:30:00Z", "BeginOfCurrentDay", "2024-10-26T22:00:00Z"},
		{"2024-10-27T01:30:00Z", "EndOfCurrentDay", "2024-10-27T22:59:59.999Z"},
	} {
		env := &xpath.Env{Now: mustTime(t, tc.now), Location: loc}
		got := tokenAt(t, env, "[%"+tc.token+"%]")
		if want := mustTime(t, tc.want); !got.Equal(want) {
			t.Errorf("now %s: [%%%s%%] = %s, want %s", tc.now, tc.token, got.Format(time.RFC3339Nano), tc.want)
		}
	}
}

// TestEvalDayStartsInGap: in Santiago the clocks go from 00:00 to 01:00 on
// 2024-09-08, so that day begins at 01:00 -03 (04:00 UTC), and on
// 2024-04-07 they go from 00:00 back to 23:00, so 6 April has 25 hours.
func TestEvalDayStartsInGap(t *testing.T) {
	loc, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ now, token, want string }{
		{"2024-09-08T15:00:00Z", "BeginOfCurrentDay", "2024-09-08T04:00:00Z"},
		{"2024-09-07T15:00:00Z", "EndOfCurrentDay", "2024-09-08T03:59:59.999Z"},
		{"2024-09-07T15:00:00Z", "BeginOfTomorrow", "2024-09-08T04:00:00Z"},
		{"2024-09-10T15:00:00Z", "BeginOfCurrentWeek", "2024-09-09T03:00:00Z"},
		{"2024-04-06T15:00:00Z", "BeginOfCurrentDay", "2024-04-06T03:00:00Z"},
		{"2024-04-06T15:00:00Z", "EndOfCurrentDay", "2024-04-07T03:59:59.999Z"},
		{"2024-04-07T03:30:00Z", "BeginOfCurrentDay", "2024-04-06T03:00:00Z"}, // 23:30 -04, the repeated hour
		{"2024-04-07T03:30:00Z", "BeginOfCurrentHour", "2024-04-07T03:00:00Z"},
	} {
		env := &xpath.Env{Now: mustTime(t, tc.now), Location: loc}
		if got := tokenAt(t, env, "[%"+tc.token+"%]"); !got.Equal(mustTime(t, tc.want)) {
			t.Errorf("now %s: [%%%s%%] = %s, want %s", tc.now, tc.token, got.Format(time.RFC3339Nano), tc.want)
		}
	}
}

// TestEvalWeekStartsOnMonday: 2024-03-31 is a Sunday; its week began on
// Monday 25 March.
func TestEvalWeekStartsOnMonday(t *testing.T) {
	loc := amsterdam(t)
	for _, tc := range []struct{ now, begin, end string }{
		{"2024-03-31T01:30:00Z", "2024-03-24T23:00:00Z", "2024-03-31T21:59:59.999Z"}, // Sunday
		{"2024-03-30T23:30:00Z", "2024-03-24T23:00:00Z", "2024-03-31T21:59:59.999Z"}, // Sunday 00:30 local, Saturday in UTC
		{"2024-03-31T22:30:00Z", "2024-03-31T22:00:00Z", "2024-04-07T21:59:59.999Z"}, // Monday 00:30 local
		{"2024-01-01T12:00:00Z", "2023-12-31T23:00:00Z", "2024-01-07T22:59:59.999Z"}, // a Monday
	} {
		env := &xpath.Env{Now: mustTime(t, tc.now), Location: loc}
		if got := tokenAt(t, env, "[%BeginOfCurrentWeek%]"); !got.Equal(mustTime(t, tc.begin)) {
			t.Errorf("now %s: BeginOfCurrentWeek = %s, want %s", tc.now, got.Format(time.RFC3339Nano), tc.begin)
		}
		if got := tokenAt(t, env, "[%EndOfCurrentWeek%]"); !got.Equal(mustTime(t, tc.end)) {
			t.Errorf("now %s: EndOfCurrentWeek = %s, want %s", tc.now, got.Format(time.RFC3339Nano), tc.end)
		}
	}
	// In UTC the same Sunday instant also belongs to the week of 25 March.
	env := &xpath.Env{Now: mustTime(t, "2024-03-31T01:30:00Z"), Location: loc}
	if got := tokenAt(t, env, "[%BeginOfCurrentWeekUTC%]"); !got.Equal(mustTime(t, "2024-03-25T00:00:00Z")) {
		t.Errorf("BeginOfCurrentWeekUTC = %s", got)
	}
}

// TestEvalCalendarArithmetic: months and years are calendar steps in the
// app's zone that clamp to the last day of the month.
func TestEvalCalendarArithmetic(t *testing.T) {
	for _, tc := range []struct{ now, expr, want string }{
		{"2024-01-31T12:00:00Z", "[%BeginOfCurrentDay%] + [%MonthLength%]", "2024-02-29T00:00:00Z"},
		{"2023-01-31T12:00:00Z", "[%BeginOfCurrentDay%] + 1 * [%MonthLength%]", "2023-02-28T00:00:00Z"},
		{"2024-03-31T12:00:00Z", "[%BeginOfCurrentDay%] - 1 * [%MonthLength%]", "2024-02-29T00:00:00Z"},
		{"2024-01-31T12:00:00Z", "[%BeginOfCurrentDay%] + 3 * [%MonthLength%]", "2024-04-30T00:00:00Z"},
		{"2024-01-31T12:00:00Z", "[%BeginOfCurrentDay%] + [%MonthLength%] + [%MonthLength%]", "2024-03-29T00:00:00Z"}, // step by step
		{"2024-02-29T12:00:00Z", "[%BeginOfCurrentDay%] + [%YearLength%]", "2025-02-28T00:00:00Z"},
		{"2024-02-29T12:00:00Z", "[%BeginOfCurrentDay%] - 1 * [%YearLength%]", "2023-02-28T00:00:00Z"},
		{"2024-02-29T12:00:00Z", "[%BeginOfCurrentDay%] + 4 * [%YearLength%]", "2028-02-29T00:00:00Z"},
		{"2024-12-31T12:00:00Z", "[%BeginOfCurrentDay%] + 2 * [%MonthLength%]", "2025-02-28T00:00:00Z"},
		{"2024-01-15T12:00:00Z", "[%BeginOfCurrentDay%] - 25 * [%MonthLength%]", "2021-12-15T00:00:00Z"},
		{"2024-01-15T12:34:56.789Z", "[%CurrentDateTime%] + 1 * [%MonthLength%] - 2 * [%WeekLength%] + 3 * [%SecondLength%]", "2024-02-01T12:34:59.789Z"},
	} {
		env := &xpath.Env{Now: mustTime(t, tc.now)}
		if got := tokenAt(t, env, tc.expr); !got.Equal(mustTime(t, tc.want)) {
			t.Errorf("now %s: %s = %s, want %s", tc.now, tc.expr, got.Format(time.RFC3339Nano), tc.want)
		}
	}
	// In the app's zone: midnight stays midnight across the DST change,
	// one month after 1 March 00:00 CET is 1 April 00:00 CEST.
	env := &xpath.Env{Now: mustTime(t, "2024-03-10T12:00:00Z"), Location: amsterdam(t)}
	if got := tokenAt(t, env, "[%BeginOfCurrentMonth%] + [%MonthLength%]"); !got.Equal(mustTime(t, "2024-03-31T22:00:00Z")) {
		t.Errorf("BeginOfCurrentMonth + MonthLength = %s", got)
	}
	// A fixed week is 168 hours, so across the change it does not stay at
	// midnight: 4 weeks after Monday 4 March 00:00 CET is 1 April 01:00 CEST.
	if got := tokenAt(t, env, "[%BeginOfCurrentWeek%] + 4 * [%WeekLength%]"); !got.Equal(mustTime(t, "2024-03-31T23:00:00Z")) {
		t.Errorf("BeginOfCurrentWeek + 4 WeekLength = %s", got)
	}
}

// TestEvalEndIsNextBeginMinusOneMs checks, for many instants around the
// daylight-saving changes of several zones, that every period contains now,
// and that EndOfX is BeginOfNextX minus 1 ms.
func TestEvalEndIsNextBeginMinusOneMs(t *testing.T) {
	units := []string{"Minute", "Hour", "Day", "Week", "Month", "Year"}
	zones := []string{"Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kathmandu", "UTC"}
	zones = append(zones, "America/Sao_Paulo", "Pacific/Chatham", "America/St_Johns")
	starts := []string{"2024-03-30T20:00:00Z", "2024-10-26T20:00:00Z", "2024-04-06T10:00:00Z", "2024-09-07T20:00:00Z",
		"2024-12-31T20:00:00Z", "2018-11-03T20:00:00Z", "2019-02-16T20:00:00Z", "2040-12-30T20:00:00Z"}
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range starts {
			for step := range 16 * 8 { // 16 hours in steps of 7.5 minutes
				now := mustTime(t, s).Add(time.Duration(step) * 450 * time.Second).Add(123 * time.Millisecond)
				env := &xpath.Env{Now: now, Location: loc}
				for _, u := range units {
					for _, suffix := range []string{"", "UTC"} {
						begin := tokenAt(t, env, "[%BeginOfCurrent"+u+suffix+"%]")
						end := tokenAt(t, env, "[%EndOfCurrent"+u+suffix+"%]")
						if now.Before(begin) || now.After(end) {
							t.Fatalf("%s now %s: %s%s is [%s, %s], which does not contain now", z, now.Format(time.RFC3339Nano), u, suffix, begin.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
						}
						next := &xpath.Env{Now: end.Add(time.Millisecond), Location: loc}
						if nb := tokenAt(t, next, "[%BeginOfCurrent"+u+suffix+"%]"); !nb.Equal(end.Add(time.Millisecond)) {
							t.Fatalf("%s now %s: EndOfCurrent%s%s + 1 ms = %s starts a period at %s", z, now.Format(time.RFC3339Nano), u, suffix, end.Add(time.Millisecond).Format(time.RFC3339Nano), nb.Format(time.RFC3339Nano))
						}
					}
				}
				// Yesterday, today and tomorrow follow each other.
				pairs := [][2]string{{"EndOfYesterday", "BeginOfCurrentDay"}, {"EndOfCurrentDay", "BeginOfTomorrow"}}
				for _, p := range pairs {
					for _, suffix := range []string{"", "UTC"} {
						a, b := tokenAt(t, env, "[%"+p[0]+suffix+"%]"), tokenAt(t, env, "[%"+p[1]+suffix+"%]")
						if !a.Add(time.Millisecond).Equal(b) {
							t.Fatalf("%s now %s: %s%s + 1 ms = %s, %s%s = %s", z, now, p[0], suffix, a.Add(time.Millisecond), p[1], suffix, b)
						}
					}
				}
			}
		}
	}
}

// TestDatePart pins the date-part functions, including the zone.
func TestDatePart(t *testing.T) {
	loc := amsterdam(t)
	ms := func(s string) int64 { return mustTime(t, s).UnixMilli() }
	for _, tc := range []struct {
		fn   string
		at   string
		utc  bool
		want int64
	}{
		{"year-from-dateTime", "2023-12-31T23:30:00Z", false, 2024},
		{"year-from-dateTime", "2023-12-31T23:30:00Z", true, 2023},
		{"month-from-dateTime", "2024-02-29T23:00:00Z", false, 3},
		{"day-from-dateTime", "2024-03-30T23:00:00Z", false, 31},
		{"day-from-dateTime", "2024-03-30T23:00:00Z", true, 30},
		{"hours-from-dateTime", "2024-03-31T01:00:00Z", false, 3}, // 02:00 does not exist
		{"hours-from-dateTime", "2024-03-31T00:59:59.999Z", false, 1},
		{"hours-from-dateTime", "2024-10-27T00:30:00Z", false, 2},
		{"hours-from-dateTime", "2024-10-27T01:30:00Z", false, 2}, // the repeated hour
		{"minutes-from-dateTime", "2024-03-31T01:59:59.999Z", false, 59},
		{"seconds-from-dateTime", "2024-03-31T01:59:59.999Z", true, 59},
		{"quarter-from-dateTime", "2024-03-31T22:30:00Z", false, 2},
		{"quarter-from-dateTime", "2024-03-31T22:30:00Z", true, 1},
		{"day-of-year-from-dateTime", "2024-12-31T12:00:00Z", false, 366},
		{"week-from-dateTime", "2024-12-30T12:00:00Z", false, 1}, // ISO week 1 of 2025
		{"week-from-dateTime", "2021-01-03T12:00:00Z", false, 53},
		{"weekday-from-dateTime", "2024-03-31T12:00:00Z", false, 1}, // Sunday
		{"weekday-from-dateTime", "2024-03-30T23:30:00Z", false, 1},
		{"weekday-from-dateTime", "2024-03-30T23:30:00Z", true, 7}, // Saturday in UTC
	} {
		l := loc
		if tc.utc {
			l = time.UTC
		}
		if got := xpath.DatePart(tc.fn, ms(tc.at), l); got != tc.want {
			t.Errorf("%s(%s, utc=%v) = %d, want %d", tc.fn, tc.at, tc.utc, got, tc.want)
		}
	}
}

// TestEvalObjectTokens: [%CurrentUser%] and [%UserRole_NAME%] compare object
// identity; an empty user (security level off) is empty.
func TestEvalObjectTokens(t *testing.T) {
	d := newGData(goldenApp(t, "lab"))
	d.add(4, "System.UserRole", map[string]any{"Name": "Tester"})
	d.add(42, "Lab.Person", map[string]any{"Name": "me", "System.UserRoles": []int64{4}})
	d.add(43, "Lab.Person", map[string]any{"Name": "you"})
	d.add(10, "Lab.Node", map[string]any{"Lab.Node_Person": 42})
	d.add(11, "Lab.Node", map[string]any{"Lab.Node_Person": 43})
	d.add(12, "Lab.Node", map[string]any{})
	app := goldenApp(t, "lab")
	for _, tc := range []struct {
		user        int64
		entity, src string
		want        string
	}{
		{42, "Lab.Node", "[Lab.Node_Person = '[%CurrentUser%]']", "[10]"},
		{42, "Lab.Node", "[Lab.Node_Person != '[%CurrentUser%]']", "[11 12]"},
		{0, "Lab.Node", "[Lab.Node_Person = '[%CurrentUser%]']", "[12]"},
		{0, "Lab.Node", "[Lab.Node_Person != '[%CurrentUser%]']", "[10 11]"},
		{42, "Lab.Person", "[id = '[%CurrentUser%]']", "[42]"},
		{0, "Lab.Person", "[id = '[%CurrentUser%]']", "[]"},
		{0, "Lab.Person", "[id != '[%CurrentUser%]']", "[42 43]"},
		{42, "Lab.Node", "[Lab.Node_Person/Lab.Person/System.UserRoles = '[%UserRole_Tester%]']", "[10]"},
		{42, "Lab.Node", "[Lab.Node_Person/Lab.Person/System.UserRoles != '[%UserRole_Tester%]']", "[11 12]"},
		{42, "Lab.Person", "[System.UserRoles = '[%UserRole_Administrator%]']", "[]"},
	} {
		if got := holdsFor(t, d, tc.entity, tc.src, goldenEnv(app, tc.user)); fmt.Sprint(got) != tc.want {
			t.Errorf("user %d %s %s: holds for %v, want %s", tc.user, tc.entity, tc.src, got, tc.want)
		}
	}
}

// TestEvalSelfAssociation walks a self-association both ways.
func TestEvalSelfAssociation(t *testing.T) {
	d := newGData(goldenApp(t, "lab"))
	d.add(10, "Lab.Node", map[string]any{"Title": "root"})
	d.add(11, "Lab.Special", map[string]any{"Title": "a", "Lab.Node_Parent": 10})
	d.add(12, "Lab.Node", map[string]any{"Title": "b", "Lab.Node_Parent": 11})
	env := labEnv(t)
	for _, tc := range []struct{ src, want string }{
		{"[Lab.Node_Parent/Lab.Node/Title = 'root']", "[11]"},
		{"[Lab.Node_Parent[reversed()]/Lab.Node/Title = 'a']", "[10]"},
		{"[Lab.Node_Parent[reversed()]/Lab.Special]", "[10]"},
		{"[Lab.Node_Parent/Lab.Special]", "[12]"},
		{"[Lab.Node_Parent/Lab.Node/Lab.Node_Parent/Lab.Node/Title = 'ROOT']", "[12]"},
		{"[Lab.Node_Parent[reversed()]/Lab.Node/Lab.Node_Parent[reversed()]/Lab.Node]", "[10]"},
	} {
		if got := holdsFor(t, d, "Lab.Node", tc.src, env); fmt.Sprint(got) != tc.want {
			t.Errorf("%s: holds for %v, want %s", tc.src, got, tc.want)
		}
	}
}
