package schema_test

import (
	"database/sql"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

var update = flag.Bool("update", false, "rewrite testdata/ddl_*.sql")

func exampleApp(t *testing.T) *model.App {
	t.Helper()
	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return app
}

// TestDDLGolden pins the tables, join tables and indexes of the example app
// for both stores (testdata/ddl_sqlite.sql, testdata/ddl_postgres.sql).
func TestDDLGolden(t *testing.T) {
	m := schema.New(exampleApp(t))
	for _, d := range []schema.Dialect{schema.SQLite, schema.Postgres} {
		got := strings.Join(m.CreateStatements(d), ";\n") + ";\n"
		path := "testdata/ddl_" + d.Name() + ".sql"
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s differs (go test -run DDLGolden -update rewrites it):\n%s", path, lineDiff(string(want), got))
		}
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// TestDDLRuns creates the example app's tables in SQLite (and PostgreSQL
// when RAMPART_TEST_POSTGRES is set).
func TestDDLRuns(t *testing.T) {
	m := schema.New(exampleApp(t))
	db, err := store.OpenSQLite(t.TempDir() + "/ddl.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	execAll(t, db, m.CreateStatements(schema.SQLite))
	if url := os.Getenv("RAMPART_TEST_POSTGRES"); url != "" {
		pg := pgSchema(t, url, "schema_ddl")
		execAll(t, pg, m.CreateStatements(schema.Postgres))
	}
}

func execAll(t *testing.T, db *sql.DB, stmts []string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// pgSchema returns a pool using a fresh schema of its own, dropped at the
// end: the database may be shared with other packages' tests.
func pgSchema(t *testing.T, url, prefix string) *sql.DB {
	t.Helper()
	admin, err := store.OpenPostgres(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, err := store.OpenPostgres(url + sep + "search_path=" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMappingNames(t *testing.T) {
	app := exampleApp(t)
	m := schema.New(app)
	account := app.Entity("Administration.Account")
	user := app.Entity("System.User")
	if m.Table(account) != m.Table(user) || m.Table(user).Name != "System$User" {
		t.Errorf("Account is stored in %v, want the System$User table", m.Table(account))
	}
	full := account.Member("FullName", nil).Attribute
	if c := m.AttrColumn(full); c == nil || c.Name != "Administration$Account$FullName" {
		t.Errorf("FullName column %v", c)
	}
	if c := m.FoldColumn(full); c == nil || c.Name != "Administration$Account$FullName$fold" || c.Kind != schema.KindFolded {
		t.Errorf("FullName fold column %v", c)
	}
	expense := app.Entity("Expenses.Expense")
	if c := m.RefColumn(expense.Member("System.owner", nil).Association); c == nil || c.Name != "System$owner" {
		t.Errorf("owner column %v", c)
	}
	if j := m.Join(app.Association("Expenses.Expense_Tag")); j == nil || j.Name != "Expenses$Expense_Tag$set" {
		t.Errorf("Expense_Tag join table %v", j)
	}
	if got := schema.TypeNames(user); !slices.Equal(got, []string{"System.User", "Administration.Account"}) {
		t.Errorf("TypeNames(System.User) = %v", got)
	}
	if got := schema.Postgres.Rebind(`a = ? AND b IN (?, ?)`); got != `a = $1 AND b IN ($2, $3)` {
		t.Errorf("Rebind: %s", got)
	}
	if got := schema.SQLite.Rebind(`a = ?`); got != `a = ?` {
		t.Errorf("SQLite Rebind: %s", got)
	}
	if got := schema.Quote(`a"b`); got != `"a""b"` {
		t.Errorf("Quote: %s", got)
	}
}

func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad decimal %s", s)
	}
	return r
}

func TestEncodeDecimalExamples(t *testing.T) {
	for _, tc := range []struct {
		in, enc string
		exact   bool
	}{
		{"0", "1000000000000000000000000000000", true},
		{"-0", "1000000000000000000000000000000", true},
		{"1", "1000000000000000000000100000000", true},
		{"12.5", "1000000000000000000001250000000", true},
		{"0.00000001", "1000000000000000000000000000001", true},
		{"-0.00000001", "0999999999999999999999999999999", true},
		{"-1", "0999999999999999999999900000000", true},
		{"99999999999999999999.99999999", "1009999999999999999999999999999", true},
		{"-99999999999999999999.99999999", "0990000000000000000000000000001", true},
		{"12.3456789100", "1000000000000000000001234567891", true}, // trailing zeros are exact
		// Inexact: the largest storable value below.
		{"0.000000001", "1000000000000000000000000000000", false},
		{"12.345678915", "1000000000000000000001234567891", false},
		{"-0.000000001", "0999999999999999999999999999999", false},
		{"-4.999999999", "0999999999999999999999500000000", false},
		{"1/3", "1000000000000000000000033333333", false},
		// Beyond the domain: clamped, which keeps comparisons with stored
		// values (at most 20 integer digits) right.
		{"1e25", "1100000000000000000000000000000", false},
		{"-1e25", "0900000000000000000000000000000", false},
	} {
		r := rat(t, tc.in)
		enc, exact := schema.EncodeDecimal(r)
		if enc != tc.enc || exact != tc.exact {
			t.Errorf("EncodeDecimal(%s) = %s, %v; want %s, %v", tc.in, enc, exact, tc.enc, tc.exact)
		}
		if tc.exact {
			back, err := schema.DecodeDecimal(enc)
			if err != nil || back.Cmp(r) != 0 {
				t.Errorf("DecodeDecimal(%s) = %v, %v; want %s", enc, back, err, tc.in)
			}
		}
	}
	for _, bad := range []string{"", "2000000000000000000000000000000", "100", "1x00000000000000000000000000000", "10000000000000000000000000000000"} {
		if _, err := schema.DecodeDecimal(bad); err == nil {
			t.Errorf("DecodeDecimal(%q) succeeded", bad)
		}
	}
}

// randomDecimal draws a value of the Decimal domain (at most 20 integer and
// 8 fractional digits), favouring short numbers and edges.
func randomDecimal(r *rand.Rand) *big.Rat {
	intDigits, fracDigits := r.IntN(21), r.IntN(9)
	if r.IntN(4) == 0 {
		intDigits, fracDigits = 20, 8
	}
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteByte('-')
	}
	b.WriteByte('0')
	for range intDigits {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	if fracDigits > 0 {
		b.WriteByte('.')
		for range fracDigits {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	v, _ := new(big.Rat).SetString(b.String())
	return v
}

// TestEncodeDecimalOrder: for random pairs of decimals, the byte order of
// the encodings is the numeric order, equal values encode equally, and
// every encoding decodes back exactly.
func TestEncodeDecimalOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 100000000), big.NewRat(-1, 100000000)}
	for range 3000 {
		vals = append(vals, randomDecimal(r))
	}
	encs := make([]string, len(vals))
	for i, v := range vals {
		enc, exact := schema.EncodeDecimal(v)
		if !exact {
			t.Fatalf("%s: not exact", v.FloatString(8))
		}
		back, err := schema.DecodeDecimal(enc)
		if err != nil || back.Cmp(v) != 0 {
			t.Fatalf("round trip of %s: %v %v", v.FloatString(8), back, err)
		}
		encs[i] = enc
	}
	for range 20000 {
		i, j := r.IntN(len(vals)), r.IntN(len(vals))
		if got, want := strings.Compare(encs[i], encs[j]), vals[i].Cmp(vals[j]); got != want {
			t.Fatalf("%s vs %s: encodings compare %d, values %d", vals[i].FloatString(8), vals[j].FloatString(8), got, want)
		}
	}
	// Sorting by encoding sorts by value.
	idx := make([]int, len(vals))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(encs[a], encs[b]) })
	for k := 1; k < len(idx); k++ {
		if vals[idx[k-1]].Cmp(vals[idx[k]]) > 0 {
			t.Fatalf("sorted encodings out of order at %d", k)
		}
	}
}

// TestEncodeDecimalInexact: a literal with more than 8 fractional digits
// encodes the largest storable value below it, so that for every stored
// value x: x < r ⟺ x <= enc, x > r ⟺ x > enc.
func TestEncodeDecimalInexact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	scale := new(big.Rat).SetInt64(100000000)
	for range 2000 {
		lit := randomDecimal(r)
		// Add a 9th to 12th fractional digit.
		extra := big.NewRat(int64(1+r.IntN(9999)), 1000000000000)
		if r.IntN(2) == 0 {
			extra.Neg(extra)
		}
		lit.Add(lit, extra)
		enc, exact := schema.EncodeDecimal(lit)
		if exact {
			t.Fatalf("%s encoded exactly", lit.FloatString(12))
		}
		below, err := schema.DecodeDecimal(enc)
		if err != nil {
			t.Fatal(err)
		}
		step := new(big.Rat).Inv(scale)
		above := new(big.Rat).Add(below, step)
		if !(below.Cmp(lit) < 0 && above.Cmp(lit) > 0) {
			t.Fatalf("%s: encoding %s is not the storable value just below", lit.FloatString(12), below.FloatString(8))
		}
	}
}

// TestTransitionsAmsterdam: the offsets table of PostgreSQL's
// rampart_datepart has the 2024 changes, and runs to 2100 (Go reports the
// end of a period wrongly on the last day of leap years after 2037).
func TestTransitionsAmsterdam(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	tr := schema.Transitions(loc)
	find := func(at string) (int64, bool) {
		ms := mustTime(t, at).UnixMilli()
		for _, p := range tr {
			if p[0] == ms {
				return p[1], true
			}
		}
		return 0, false
	}
	for _, tc := range []struct {
		at  string
		off int64
	}{
		{"2024-03-31T01:00:00Z", 2 * 3600 * 1000},
		{"2024-10-27T01:00:00Z", 3600 * 1000},
		{"1977-04-03T01:00:00Z", 2 * 3600 * 1000}, // the first Dutch DST after the war years
		{"2041-03-31T01:00:00Z", 2 * 3600 * 1000}, // after the leap year 2040
		{"2099-10-25T01:00:00Z", 3600 * 1000},
	} {
		if off, ok := find(tc.at); !ok || off != tc.off {
			t.Errorf("transition at %s: %v %d, want offset %d", tc.at, ok, off, tc.off)
		}
	}
	for i := 1; i < len(tr); i++ {
		if tr[i][0] <= tr[i-1][0] || tr[i][1] == tr[i-1][1] {
			t.Fatalf("transitions %d and %d: %v %v", i-1, i, tr[i-1], tr[i])
		}
	}
	// Every offset agrees with Go at a sample of instants.
	for ms := mustTime(t, "1900-06-01T00:00:00Z").UnixMilli(); ms < mustTime(t, "2100-01-01T00:00:00Z").UnixMilli(); ms += 86400000*17 + 3600000 {
		i, _ := slices.BinarySearchFunc(tr, ms, func(p [2]int64, ms int64) int {
			switch {
			case p[0] < ms:
				return -1
			case p[0] > ms:
				return 1
			}
			return 0
		})
		if i == len(tr) || tr[i][0] > ms {
			i--
		}
		_, off := time.UnixMilli(ms).In(loc).Zone()
		if int64(off)*1000 != tr[i][1] {
			t.Fatalf("%s: table offset %d, Go %d", time.UnixMilli(ms).UTC(), tr[i][1], off)
		}
	}
	if u := schema.Transitions(time.UTC); len(u) != 1 || u[0][1] != 0 {
		t.Errorf("UTC: %v", u)
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

// TestPostgresDatePart compares PostgreSQL's rampart_datepart with the
// evaluator's DatePart on random instants from 1971 to 2037 in zones with
// odd offsets and daylight-saving rules (needs RAMPART_TEST_POSTGRES).
func TestPostgresDatePart(t *testing.T) {
	url := os.Getenv("RAMPART_TEST_POSTGRES")
	if url == "" {
		t.Skip("RAMPART_TEST_POSTGRES is not set")
	}
	zones := []string{"Europe/Amsterdam", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago"}
	db := pgSchema(t, url, "schema_datepart")
	stmts, err := schema.PostgresTimeZoneSupport(zones...)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s.SQL, s.Args...); err != nil {
			t.Fatalf("%s: %v", s.SQL, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	fns := []string{"year-from-dateTime", "month-from-dateTime", "day-from-dateTime", "hours-from-dateTime",
		"minutes-from-dateTime", "seconds-from-dateTime", "quarter-from-dateTime", "day-of-year-from-dateTime",
		"week-from-dateTime", "weekday-from-dateTime"}
	r := rand.New(rand.NewPCG(5, 6))
	lo, hi := mustTime(t, "1971-01-01T00:00:00Z").UnixMilli(), mustTime(t, "2037-12-31T00:00:00Z").UnixMilli()
	var instants []int64
	for range 400 {
		instants = append(instants, lo+r.Int64N(hi-lo))
	}
	// And the instants around each zone's changes in 2024.
	for _, z := range zones {
		loc, _ := time.LoadLocation(z)
		for _, p := range schema.Transitions(loc) {
			if y := time.UnixMilli(p[0]).UTC().Year(); y == 2024 || y == 1971 || y == 2037 {
				instants = append(instants, p[0]-1, p[0], p[0]+1, p[0]+3599999)
			}
		}
	}
	arr := make([]string, len(instants))
	for i, v := range instants {
		arr[i] = fmt.Sprint(v)
	}
	for _, z := range append(zones, "UTC") {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range fns {
			rows, err := db.Query(`SELECT ms, rampart_datepart($1, ms, $2) FROM unnest(CAST($3 AS BIGINT[])) AS u(ms)`, fn, z, "{"+strings.Join(arr, ",")+"}")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var ms, got int64
				if err := rows.Scan(&ms, &got); err != nil {
					t.Fatal(err)
				}
				if want := xpath.DatePart(fn, ms, loc); got != want {
					t.Errorf("%s %s at %s: PostgreSQL %d, Go %d", z, fn, time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), got, want)
				}
			}
			rows.Close()
		}
	}
}
