package xpath

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// specExamples are the examples of shared/spec/xpath.md and model.md; they must parse.
var specExamples = []string{
	`[System.owner = '[%CurrentUser%]']`,
	`[Expenses.Expense_Project/Expenses.Project/Expenses.Project_Manager = '[%CurrentUser%]']`,
	`[Status = 'Submitted' or Status = 'Approved'][Amount >= 100]`,
	`[not(Expenses.Expense_Tag/Expenses.Tag[Name = 'private'])]`,
	`[Expenses.Project_Manager/Administration.Account/System.UserRoles = '[%UserRole_Manager%]']`,
	`[contains(Description, 'taxi') and starts-with(Expenses.Expense_Project/Expenses.Project/Name, 'A')]`,
	`[SubmittedOn >= '[%BeginOfCurrentDay%] - 30 * [%DayLength%]']`,
	`[Expenses.Expense_Project/Expenses.Expense[Status = 'Draft']]`,
	`[id = '[%CurrentUser%]']`,
	`[Description != empty]`,
	`[System.owner = '[%CurrentUser%]'][Status = 'Draft']`,
}

// validCases maps a constraint to its canonical form ("" means: the input is canonical).
var validCases = []struct{ src, want string }{
	// brackets, parentheses, logic
	{`[ a=1 ][b = 2]  [c=3]`, `[a = 1][b = 2][c = 3]`},
	{"\t[\nAmount\r\n>=\t1 ]", `[Amount >= 1]`},
	{`[((a = 1))]`, `[a = 1]`},
	{`[a = 1 or b = 2 or c = 3]`, ``},
	{`[a = 1 or b = 2 and c = 3]`, ``},
	{`[(a = 1 or b = 2) and c = 3]`, ``},
	{`[(a = 1 and b = 2) and c = 3]`, ``},
	{`[(a = 1 or b = 2) or c = 3]`, ``},
	{`[a = 1 or (b = 2 or c = 3)]`, ``},
	{`[(a = 1 and b = 2) or c = 3]`, `[a = 1 and b = 2 or c = 3]`},
	{`[not(a = 1) and not(not(b = 2))]`, ``},
	{`[not((a = 1 or b = 2))]`, `[not(a = 1 or b = 2)]`},
	{`[not ( a = 1 )]`, `[not(a = 1)]`},
	// operators and mirroring
	{`[Amount<5][Amount<=5][Amount>5][Amount>=5][Amount=5][Amount!=5]`, `[Amount < 5][Amount <= 5][Amount > 5][Amount >= 5][Amount = 5][Amount != 5]`},
	{`[5 < Amount]`, `[Amount > 5]`},
	{`[5 <= Amount]`, `[Amount >= 5]`},
	{`[5 > Amount]`, `[Amount < 5]`},
	{`[5 >= Amount]`, `[Amount <= 5]`},
	{`['x' = Name]`, `[Name = 'x']`},
	{`['x' != Name]`, `[Name != 'x']`},
	{`[3 < string-length(Name)]`, `[string-length(Name) > 3]`},
	// functions
	{`[contains(Name, 'a')]`, ``},
	{`[starts-with(Name,"b")]`, `[starts-with(Name, 'b')]`},
	{`[ends-with(Mod.A/Mod.B/Name, 'c')]`, ``},
	{`[contains(Name, '[%CurrentUser%]') or contains(Name, 5)]`, ``}, // types are the binder's job
	{`[string-length(Name) > 3]`, ``},
	{`[length(Name) = 0]`, ``},
	{`[year-from-dateTime(D) = 2024]`, ``},
	{`[month-from-dateTime(D, 'UTC') = 1]`, ``},
	{`[day-from-dateTime(D) = 1]`, ``},
	{`[hours-from-dateTime(D, "UTC") = 1]`, `[hours-from-dateTime(D, 'UTC') = 1]`},
	{`[minutes-from-dateTime(D) = 1]`, ``},
	{`[seconds-from-dateTime(D, 'UTC') = 1]`, ``},
	{`[quarter-from-dateTime(D) = 1]`, ``},
	{`[day-of-year-from-dateTime(Mod.A/Mod.B/D, 'UTC') >= 100]`, ``},
	{`[week-from-dateTime(D) = 1]`, ``},
	{`[weekday-from-dateTime(D, 'UTC') = 1]`, ``},
	{`[contains = 'x' and length = 1]`, ``}, // function names without '(' are attribute names
	// tokens
	{`[a = "[%CurrentUser%]"]`, `[a = '[%CurrentUser%]']`},
	{`[a = ' [%CurrentUser%] ']`, `[a = '[%CurrentUser%]']`},
	{`[System.UserRoles = '[%UserRole_Field_Agent2%]']`, ``},
	{`[a = '[%CurrentDateTime%]'][a = '[%CurrentDateTimeUTC%]']`, ``},
	{`[a = '[%BeginOfCurrentMinute%]'][a = '[%EndOfCurrentMinuteUTC%]']`, ``},
	{`[a = '[%BeginOfCurrentHourUTC%]'][a = '[%EndOfCurrentHour%]']`, ``},
	{`[a = '[%BeginOfCurrentDay%]'][a = '[%EndOfCurrentDayUTC%]']`, ``},
	{`[a = '[%BeginOfCurrentWeekUTC%]'][a = '[%EndOfCurrentWeek%]']`, ``},
	{`[a = '[%BeginOfCurrentMonth%]'][a = '[%EndOfCurrentMonthUTC%]']`, ``},
	{`[a = '[%BeginOfCurrentYearUTC%]'][a = '[%EndOfCurrentYear%]']`, ``},
	{`[a = '[%BeginOfYesterday%]'][a = '[%EndOfYesterdayUTC%]']`, ``},
	{`[a = '[%BeginOfTomorrowUTC%]'][a = '[%EndOfTomorrow%]']`, ``},
	{`[a > '[%CurrentDateTime%]+[%HourLength%]']`, `[a > '[%CurrentDateTime%] + [%HourLength%]']`},
	{`[a > '[%BeginOfCurrentWeekUTC%] - 2*[%WeekLength%] + 1 * [%DayLength%]']`, `[a > '[%BeginOfCurrentWeekUTC%] - 2 * [%WeekLength%] + [%DayLength%]']`},
	{`[a > '[%EndOfTomorrow%] + [%SecondLength%] + [%MinuteLength%] - 0 * [%MonthLength%] - 100 * [%YearLength%]']`, ``},
	// paths
	{`[Mod.Parent[reversed()]/Mod.Node/Name = 'x']`, ``},
	{`[Mod.Parent[ reversed ( ) ] = empty]`, `[Mod.Parent[reversed()] = empty]`},
	{`[Mod.A/Mod.B/Mod.C = empty]`, ``},
	{`[Mod.A/Mod.B[x = 1]/Mod.C/Mod.D[y = 2 or z = 3]/Name = 'n']`, ``},
	{`[Mod.A/Mod.B[Mod.C/Mod.D[x = 1]]]`, ``},
	{`[Mod.A/Mod.B[x = 1]]`, ``},
	{`[System.owner]`, ``},
	{`[System.changedBy != empty][createdDate > '2024-01-01'][changedDate < '[%CurrentDateTime%]']`, ``},
	{`[id != empty][id = NULL]`, ``},
	{`['[%CurrentUser%]' = id]`, `[id = '[%CurrentUser%]']`},
	{`[reversed = 1][True = 1][Id = 1][_x9 = 1]`, ``}, // not keywords
	// values
	{`[Name = NULL][NULL = Name]`, `[Name = NULL][Name = NULL]`},
	{`[Name = 'it''s']`, ``},
	{`[Name = "say ""hi"""]`, `[Name = 'say "hi"']`},
	{`[Name = "it's"]`, `[Name = 'it''s']`},
	{`[Name = ''][Name = 'héllo wörld %] [x']`, ``},
	{`[Amount = -12.50][Amount > 0.5][Amount < -3][Amount = 007]`, ``},
	{`[true()]`, ``},
	{`[false() or a = 1]`, ``},
	{`[Flag = true ( )]`, `[Flag = true()]`},
	{`[false() != Flag]`, `[Flag != false()]`},
	{`[Name = $name][$x = Name]`, `[Name = $name][Name = $x]`},
}

// errorCases give the exact column and message of rejected constraints.
var errorCases = []struct {
	src string
	col int
	msg string
}{
	{``, 1, `expected '[' but found end of input`},
	{`Amount = 1`, 1, `expected '[' but found 'Amount'`},
	{`[Amount = 1`, 12, `expected ']' but found end of input`},
	{`[a = 1 or]`, 10, `expected expression but found ']'`},
	{`[]`, 2, `expected expression but found ']'`},
	{`[] 'abc`, 2, `expected expression but found ']'`}, // the first error wins
	{`[a = 1] b`, 9, `expected '[' or end of input but found 'b'`},
	{`[a = 1]]`, 8, `expected '[' or end of input but found ']'`},
	{`[a = 1 b = 2]`, 8, `expected ']' but found 'b'`},
	{`[a = 1 AND b = 2]`, 8, `expected ']' but found 'AND'`},
	{"[a = 1 " + strings.Repeat("abcdefghij", 5) + "]", 8, `expected ']' but found 'abcdefghijabcdefghijabcdefghijabcdefg...'`},
	{`[a = 1 ) ]`, 8, `expected ']' but found ')'`},
	{`[(a = 1]`, 8, `expected ')' but found ']'`},
	{`[a < 1 < 2]`, 8, `expected ']' but found '<'`},
	{`[not(a = 1) = true()]`, 13, `expected ']' but found '='`},
	{`[Name = 'abc]`, 9, `unterminated string literal`},
	{`[Name = "abc'']`, 9, `unterminated string literal`},
	{`[a = 'x'' ]`, 6, `unterminated string literal`},
	{`[a = 1 or 'x`, 11, `unterminated string literal`},
	{`[a # 1]`, 4, `unexpected character '#'`},
	{`[a ! 1]`, 4, `unexpected character '!'`},
	{`[a = - 1]`, 6, `unexpected character '-'`},
	{`[$ = 1]`, 2, `unexpected character '$'`},
	{`[Name = 'é' and x @ 1]`, 19, `unexpected character '@'`},
	{"[a = 1 \xff]", 8, `unexpected character '�'`},
	{`[a = 12abc]`, 6, `invalid number '12abc'`},
	{`[a = 1.]`, 6, `invalid number '1.'`},
	{`[a = 1.2.3]`, 6, `invalid number '1.2.3'`},
	{`[foo(a) = 1]`, 2, `unknown function 'foo'`},
	{`[Not(a = 1)]`, 2, `unknown function 'Not'`},
	{`[a = True()]`, 6, `unknown function 'True'`},
	{`[Mod.A/Mod.B[reversed()] = empty]`, 14, `unknown function 'reversed'`},
	{`[true]`, 6, `expected '(' after 'true' but found ']'`},
	{`[not a = 1]`, 6, `expected '(' after 'not' but found 'a'`},
	{`[Mod.A/Mod.B/Name = Other]`, 21, `comparing two paths is not supported`},
	{`[a = b = c]`, 6, `comparing two paths is not supported`},
	{`[1 = 2]`, 6, `comparing two values is not supported`},
	{`[a = ]`, 6, `expected value but found ']'`},
	{`[5 = ]`, 6, `expected path but found ']'`},
	{`[a = or]`, 6, `expected value but found 'or'`},
	{`[Amount]`, 8, `expected comparison operator but found ']'`},
	{`[id]`, 4, `expected comparison operator but found ']'`},
	{`['x']`, 5, `expected comparison operator but found ']'`},
	{`[empty]`, 7, `expected comparison operator but found ']'`},
	{`[string-length(Name)]`, 21, `expected comparison operator but found ']'`},
	{`[id/Name = 1]`, 4, `expected comparison operator but found '/'`},
	{`[contains(Name, 'x') = true()]`, 2, `contains() is a condition and cannot be compared`},
	{`[Name = starts-with(Name, 'x')]`, 9, `starts-with() is a condition and cannot be compared`},
	{`[contains(Name)]`, 15, `expected ',' but found ')'`},
	{`[string-length(Name, 'x') > 1]`, 20, `expected ')' but found ','`},
	{`[contains('x', Name)]`, 11, `expected path but found string 'x'`},
	{`[contains(length(Name), 'x')]`, 11, `expected path but found 'length'`},
	{`[contains(Name, Other)]`, 17, `the second argument of contains() must be a value`},
	{`[year-from-dateTime(D, 'utc') = 1]`, 24, `the second argument of year-from-dateTime() must be 'UTC'`},
	{`[Name/Mod.A = 1]`, 2, `attribute 'Name' must be the last element of a path`},
	{`[Mod.A/Name = 1]`, 8, `expected entity name (Module.Entity) but found 'Name'`},
	{`[Mod.A/]`, 8, `expected entity name (Module.Entity) but found ']'`},
	{`[Mod.A/Mod.B/]`, 14, `expected association or attribute but found ']'`},
	{`[Mod.A/Mod.B/id = 1]`, 14, `expected association or attribute but found 'id'`},
	{`[Mod.A[Name = 'x']/Mod.B]`, 8, `expected 'reversed()' but found 'Name'`},
	{`[Mod.A[reversed]/Mod.B]`, 16, `expected '(' but found ']'`},
	{`[Mod.A.B = 1]`, 2, `invalid name 'Mod.A.B'`},
	{`[Amount-Total = 1]`, 2, `invalid name 'Amount-Total'`},
	{`[Mod.A/Mod.B-c = 1]`, 8, `invalid name 'Mod.B-c'`},
	// tokens
	{`[a = '[%Foo%]']`, 7, `unknown token [%Foo%]`},
	{`[a = '[%currentUser%]']`, 7, `unknown token [%currentUser%]`},
	{`[a = '[%UserRole_%]']`, 7, `unknown token [%UserRole_%]`},
	{`[a = '[%UserRole_1x%]']`, 7, `unknown token [%UserRole_1x%]`},
	{`[a = '[%CurrentUserUTC%]']`, 7, `unknown token [%CurrentUserUTC%]`},
	{`[a = '[%DayLengthUTC%]']`, 7, `unknown token [%DayLengthUTC%]`},
	{`[a = '[%Foo%] + [%DayLength%]']`, 7, `unknown token [%Foo%]`},
	{`[a = '[%DayLength%]']`, 7, `[%DayLength%] is only allowed in date arithmetic`},
	{`[a = '[%CurrentUser']`, 7, `unterminated token`},
	{`[a = 'x[%CurrentUser%]']`, 7, `expected '[%' but found 'x'`},
	{`[a = '[%CurrentUser%]x']`, 22, `expected end of string but found 'x'`},
	{`[a = "[%CurrentUser%] ""x"""]`, 23, `expected end of string but found '"'`},
	{`[a = '[%CurrentUser%] + [%DayLength%]']`, 23, `arithmetic is only allowed after a date token`},
	{`[a = '[%UserRole_Manager%]-[%DayLength%]']`, 27, `arithmetic is only allowed after a date token`},
	{`[a = '[%CurrentDateTime%] days']`, 27, `expected '+', '-' or end of string but found 'd'`},
	{`[a = '[%CurrentDateTime%] * 2']`, 27, `expected '+', '-' or end of string but found '*'`},
	{`[a = '[%CurrentDateTime%] +']`, 28, `expected number or duration token but found end of string`},
	{`[a = '[%CurrentDateTime%] + -1 * [%DayLength%]']`, 29, `expected number or duration token but found '-'`},
	{`[a = '[%BeginOfCurrentDay%] - 30 [%DayLength%]']`, 34, `expected '*' but found '['`},
	{`[a = '[%CurrentDateTime%] + 1.5 * [%DayLength%]']`, 30, `expected '*' but found '.'`},
	{`[a = '[%CurrentDateTime%] + 2 *']`, 32, `expected duration token but found end of string`},
	{`[a = '[%CurrentDateTime%] + [%CurrentUser%]']`, 29, `expected a duration token such as [%DayLength%] but found [%CurrentUser%]`},
	{`[a = '[%CurrentDateTime%] + 2 * [%CurrentDateTime%]']`, 33, `expected a duration token such as [%DayLength%] but found [%CurrentDateTime%]`},
	{`[a = '[%CurrentDateTime%] - 99999999999999999999 * [%DayLength%]']`, 29, `number 99999999999999999999 is too large`},
	// limits
	{`[` + strings.Repeat(`(`, 200) + `a = 1` + strings.Repeat(`)`, 200) + `]`, 201, `nesting deeper than 200 levels`},
	{`[` + strings.Repeat(`not(`, 200) + `a = 1` + strings.Repeat(`)`, 200) + `]`, 801, `nesting deeper than 200 levels`},
	{`[` + strings.Repeat(`Mod.A/Mod.B[`, 200) + `a = 1` + strings.Repeat(`]`, 201), 2401, `nesting deeper than 200 levels`},
	{strings.Repeat(` `, MaxLength) + `[a = 1]`, 1, `constraint is longer than 65536 bytes`},
}

func TestSpecExamples(t *testing.T) {
	for _, src := range specExamples {
		c, err := Parse(src)
		if err != nil {
			t.Errorf("Parse(%q): %v (column %d)", src, err, err.(*Error).Col)
			continue
		}
		if got := c.String(); got != src {
			t.Errorf("Parse(%q).String() = %q", src, got)
		}
	}
}

func TestValid(t *testing.T) {
	for _, tc := range validCases {
		want := tc.want
		if want == "" {
			want = tc.src
		}
		c, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%q): %v (column %d)", tc.src, err, err.(*Error).Col)
			continue
		}
		if got := c.String(); got != want {
			t.Errorf("Parse(%q).String()\n got %s\nwant %s", tc.src, got, want)
			continue
		}
		c2, err := Parse(want)
		if err != nil {
			t.Errorf("Parse(%q): %v", want, err)
			continue
		}
		if !reflect.DeepEqual(stripCols(c), stripCols(c2)) {
			t.Errorf("%q and its canonical form %q parse to different trees", tc.src, want)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	src := `[` + strings.Repeat(`(`, MaxDepth-1) + `a = 1` + strings.Repeat(`)`, MaxDepth-1) + `]`
	if _, err := Parse(src); err != nil {
		t.Errorf("%d levels: %v", MaxDepth, err)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range errorCases {
		c, err := Parse(tc.src)
		if err == nil {
			t.Errorf("Parse(%.60q) = %s, want error", tc.src, c)
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Col != tc.col || e.Msg != tc.msg || e.Error() != tc.msg {
			t.Errorf("Parse(%.60q)\n got col %d: %v\nwant col %d: %s", tc.src, e.Col, err, tc.col, tc.msg)
		}
	}
}

// TestTrees checks complete trees, columns included, for the parts that strings cannot show.
func TestTrees(t *testing.T) {
	amount := func(col int) *Path { return &Path{Col: col, Attr: "Amount", AttrCol: col} }
	tests := []struct {
		src  string
		want []Expr
	}{
		{`[5 < Amount]`, []Expr{
			&Compare{Col: 2, Op: Gt, Subject: amount(6), Value: &NumberLit{Col: 2, Text: "5"}},
		}},
		{`[a = 1 or b = 'it''s' or not(Mod.C)][true()]`, []Expr{
			&Or{Col: 2, Terms: []Expr{
				&Compare{Col: 2, Op: Eq, Subject: &Path{Col: 2, Attr: "a", AttrCol: 2}, Value: &NumberLit{Col: 6, Text: "1"}},
				&Compare{Col: 11, Op: Eq, Subject: &Path{Col: 11, Attr: "b", AttrCol: 11}, Value: &StringLit{Col: 15, Value: "it's"}},
				&Not{Col: 26, X: &Exists{Col: 30, Path: &Path{Col: 30, Steps: []Step{{Col: 30, Assoc: "Mod.C"}}}}},
			}},
			&BoolLit{Col: 38, Value: true},
		}},
		{`[Mod.A[reversed()]/Mod.B[x = empty]/Mod.C]`, []Expr{
			&Exists{Col: 2, Path: &Path{Col: 2, Steps: []Step{
				{Col: 2, Assoc: "Mod.A", Reversed: true, Entity: "Mod.B", EntityCol: 20,
					Filter: &Compare{Col: 26, Op: Eq, Subject: &Path{Col: 26, Attr: "x", AttrCol: 26}, Value: &Empty{Col: 30, Keyword: "empty"}}},
				{Col: 37, Assoc: "Mod.C"},
			}}},
		}},
		{`[SubmittedOn >= '[%BeginOfCurrentDay%] - 30 * [%DayLength%] + [%HourLength%]']`, []Expr{
			&Compare{Col: 2, Op: Ge, Subject: &Path{Col: 2, Attr: "SubmittedOn", AttrCol: 2}, Value: &TokenLit{
				Col: 17, Token: "BeginOfCurrentDay", Terms: []DurationTerm{
					{Col: 40, Sign: -1, Count: 30, Unit: "DayLength"},
					{Col: 61, Sign: 1, Count: 1, Unit: "HourLength"},
				}}},
		}},
		{`[id = '[%UserRole_Manager%]' and weekday-from-dateTime(Mod.A/Mod.B/D, 'UTC') = $v]`, []Expr{
			&And{Col: 2, Terms: []Expr{
				&Compare{Col: 2, Op: Eq, Subject: &Path{Col: 2, ID: true}, Value: &TokenLit{Col: 7, Token: "UserRole_Manager"}},
				&Compare{Col: 34, Op: Eq, Subject: &Call{Col: 34, Name: "weekday-from-dateTime",
					Path: &Path{Col: 56, Steps: []Step{{Col: 56, Assoc: "Mod.A", Entity: "Mod.B", EntityCol: 62}}, Attr: "D", AttrCol: 68},
					Arg:  &StringLit{Col: 71, Value: "UTC"}}, Value: &Variable{Col: 80, Name: "v"}},
			}},
		}},
		{`[contains(Name, 'x') and Flag != false()]`, []Expr{
			&And{Col: 2, Terms: []Expr{
				&Call{Col: 2, Name: "contains", Path: &Path{Col: 11, Attr: "Name", AttrCol: 11}, Arg: &StringLit{Col: 17, Value: "x"}},
				&Compare{Col: 26, Op: Ne, Subject: &Path{Col: 26, Attr: "Flag", AttrCol: 26}, Value: &BoolLit{Col: 34, Value: false}},
			}},
		}},
	}
	for _, tc := range tests {
		c, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		if want := (&Constraint{Brackets: tc.want}); !reflect.DeepEqual(c, want) {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tc.src, dump(c), dump(want))
		}
	}
}

func TestFormat(t *testing.T) {
	c, err := Parse(`[Mod.A/Mod.B/Name = 'x']`)
	if err != nil {
		t.Fatal(err)
	}
	cmp := c.Brackets[0].(*Compare)
	if got := Format(cmp.Subject); got != "Mod.A/Mod.B/Name" {
		t.Errorf("Format(subject) = %q", got)
	}
	if got := Format(cmp); got != "Mod.A/Mod.B/Name = 'x'" {
		t.Errorf("Format(compare) = %q", got)
	}
}

func TestConjuncts(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`[a = 1]`, []string{"a = 1"}},
		{`[a=1][ b = 2 ]`, []string{"a = 1", "b = 2"}},
		{`[a = 1 and (b = 2 and c = 3)]`, []string{"a = 1", "b = 2", "c = 3"}},
		// An or, or an and under a not, is one term.
		{`[a = 1 or b = 2][not(a = 1 and b = 2)]`, []string{"a = 1 or b = 2", "not(a = 1 and b = 2)"}},
		{"[M.A/M.B[x = 1 and y = 2]]", []string{"M.A/M.B[x = 1 and y = 2]"}},
	} {
		c, err := Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Conjuncts(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Conjuncts(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// dump renders a tree, columns included, for failure messages.
func dump(c *Constraint) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// stripCols returns c with every column set to 0, so that trees parsed from different texts
// can be compared.
func stripCols(c *Constraint) *Constraint {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if strings.HasSuffix(v.Type().Field(i).Name, "Col") {
					v.Field(i).SetInt(0)
				} else {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(c))
	return c
}
