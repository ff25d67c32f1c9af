// Command load is Rampart's HTTP load benchmark. It seeds the example app
// with many expenses and users, starts the runtime in-process on a
// loopback port, and measures throughput and latency of a few typical
// requests with concurrent keep-alive clients:
//
//	healthz  GET /healthz: the HTTP stack alone (no session, no store)
//	list     POST /api/v1/ops/Expenses.MyExpenses/list: a secured list page
//	         (first 50 of the Employee's own expenses, with count)
//	get      GET /api/v1/objects/Expenses.Expense/{id}: one own expense
//	create   POST /api/v1/objects/Expenses.Expense: a new expense
//
// Every request but healthz carries an Employee's session cookie (and the
// CSRF token), so session lookup and entity access are part of what is
// measured. Only loopback traffic is generated.
//
//	go run ./bench/load                       # SQLite in a temporary directory
//	go run ./bench/load -db postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// On PostgreSQL the benchmark creates a private schema and drops it at the
// end. Results: docs/performance.md, "HTTP load".
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatal("load: ", err)
	}
}

func run() error {
	var (
		db        = flag.String("db", "", "store: empty for SQLite in a temporary directory, or a postgres:// URL (a private schema is created in it and dropped)")
		clients   = flag.Int("clients", 16, "concurrent keep-alive clients")
		duration  = flag.Duration("duration", 10*time.Second, "measuring time per scenario")
		warmup    = flag.Duration("warmup", 2*time.Second, "unmeasured time before each scenario")
		expenses  = flag.Int("expenses", 100_000, "Expense objects to seed")
		users     = flag.Int("users", 100, "Employee users to seed (the expenses are spread evenly over them)")
		scenarios = flag.String("scenarios", "healthz,list,get,create", "comma-separated scenarios to run, in order")
		logJSON   = flag.Bool("log", true, "log every request as JSON (to io.Discard), as a deployment would")
		cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the measured scenarios to this file")
	)
	flag.Parse()
	if *clients < 1 || *clients > 1024 || *duration <= 0 || *duration > 10*time.Minute || *users < 1 || *expenses < 0 {
		return fmt.Errorf("-clients from 1 to 1024, -users at least 1, -duration up to 10m")
	}
	var run []scenario
	for _, name := range strings.Split(*scenarios, ",") {
		sc, ok := scenarioByName[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown scenario %q: use healthz, list, get or create", name)
		}
		run = append(run, sc)
	}
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "rampart-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	appDir := dir + "/app"
	if err := os.CopyFS(appDir, examples.Expenses()); err != nil {
		return err
	}
	storeURL, kind := "sqlite:"+dir+"/app.db", "SQLite"
	if *db != "" {
		kind = "PostgreSQL"
		var drop func()
		storeURL, drop, err = privateSchema(ctx, *db)
		if err != nil {
			return err
		}
		defer drop()
	}

	logger := slog.New(slog.DiscardHandler)
	if *logJSON {
		logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	rt, err := runtime.Start(ctx, runtime.Options{AppDir: appDir, DB: storeURL, Logger: logger})
	if err != nil {
		return err
	}
	t0 := time.Now()
	defer rt.Close()
	seeded, err := seed(ctx, rt, *users, *expenses)
	if err != nil {
		return err
	}
	seedTime := time.Since(t0)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- rt.Serve(serveCtx, l, nil) }()
	base := "http://" + l.Addr().String()

	// One session per client, each an Employee with many own expenses.
	var sessions []*clientSession
	for i := range *clients {
		u := seeded[i%len(seeded)]
		token, sess, err := rt.Identity.StartSession(ctx, u.id, false)
		if err != nil {
			return err
		}
		sessions = append(sessions, &clientSession{cookie: "rampart-session=" + token, csrf: sessionCSRF(sess), ids: u.expenses})
	}

	fmt.Printf("Rampart HTTP load: %s, %d expenses over %d employees (seeded in %s), %d clients, %s per scenario after %s warm-up\n",
		kind, *expenses, *users, seedTime.Round(time.Millisecond), *clients, *duration, *warmup)
	fmt.Printf("%s, %d logical CPUs (GOMAXPROCS %d), %s, %s/%s, load average %s\n\n", cpuModel(), goruntime.NumCPU(), goruntime.GOMAXPROCS(0), goruntime.Version(), goruntime.GOOS, goruntime.GOARCH, loadAverage())

	transport := &http.Transport{MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2, IdleConnTimeout: time.Minute}
	httpc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	results := map[string]result{}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\treq/s\tp50\tp90\tp99\tcpu/req\terrors\t")
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, sc := range run {
		r := measure(httpc, base, sessions, sc, *warmup, *duration)
		results[sc.name] = r
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", sc.name, r.n, r.rate, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.cpu), r.errors)
	}
	tw.Flush()
	if h, ok := results["healthz"]; ok {
		if s, ok := results["list"]; ok && h.rate > 0 && s.p50 > 0 {
			fmt.Printf("\nsecured list / healthz: %.3f of the throughput (healthz is %.1fx faster); p50 latency %.1fx\n",
				s.rate/h.rate, h.rate/s.rate, float64(s.p50)/float64(h.p50))
		}
	}
	transport.CloseIdleConnections()
	stop()
	if err := <-served; err != nil && err != context.Canceled {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// clientSession is one client's signed-in session.
type clientSession struct {
	cookie, csrf string
	ids          []int64 // the user's own expenses
}

// sessionCSRF reads the CSRF token of a session.
func sessionCSRF(s *identity.Session) string { return s.CSRF }

// scenario builds one request for a client.
type scenario struct {
	name   string
	status int
	build  func(base string, s *clientSession, r *mrand.Rand) *http.Request
}

var listBody = []byte(`{"offset": 0, "limit": 50, "count": true}`)

var scenarioByName = map[string]scenario{
	"healthz": {"healthz", 200, func(base string, _ *clientSession, _ *mrand.Rand) *http.Request {
		req, _ := http.NewRequest("GET", base+"/healthz", nil)
		return req
	}},
	"list": {"list", 200, func(base string, s *clientSession, _ *mrand.Rand) *http.Request {
		return s.request("POST", base+"/api/v1/ops/Expenses.MyExpenses/list", listBody)
	}},
	"get": {"get", 200, func(base string, s *clientSession, r *mrand.Rand) *http.Request {
		id := s.ids[r.IntN(len(s.ids))]
		return s.request("GET", base+"/api/v1/objects/Expenses.Expense/"+strconv.FormatInt(id, 10), nil)
	}},
	"create": {"create", 201, func(base string, s *clientSession, r *mrand.Rand) *http.Request {
		body := fmt.Sprintf(`{"Description": "Load test %d", "Amount": "%d.%02d"}`, r.Int64(), r.IntN(500), r.IntN(100))
		return s.request("POST", base+"/api/v1/objects/Expenses.Expense", []byte(body))
	}},
}

func (s *clientSession) request(method, u string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Cookie", s.cookie)
	if method != "GET" {
		req.Header.Set("X-Csrf-Token", s.csrf)
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// result is one scenario's measurement.
type result struct {
	n, errors     int
	rate          float64
	p50, p90, p99 time.Duration
	cpu           time.Duration // CPU time of the process (server and clients) per request
}

// measure runs sc with one goroutine per session: warm-up, then duration.
func measure(c *http.Client, base string, sessions []*clientSession, sc scenario, warmup, duration time.Duration) result {
	start := time.Now().Add(warmup)
	end := start.Add(duration)
	lat := make([][]time.Duration, len(sessions))
	errs := make([]int, len(sessions))
	cpu0 := make(chan time.Duration, 1)
	time.AfterFunc(warmup, func() { cpu0 <- cpuTime() })
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(i), 42))
			buf := make([]byte, 32<<10)
			for {
				t := time.Now()
				if t.After(end) {
					return
				}
				ok := do(c, sc.build(base, s, r), sc.status, buf)
				if t.Before(start) {
					continue
				}
				lat[i] = append(lat[i], time.Since(t))
				if !ok {
					errs[i]++
				}
			}
		})
	}
	wg.Wait()
	used := cpuTime() - <-cpu0
	var all []time.Duration
	res := result{}
	for i := range sessions {
		all = append(all, lat[i]...)
		res.errors += errs[i]
	}
	slices.Sort(all)
	res.n = len(all)
	res.rate = float64(res.n) / duration.Seconds()
	if res.n > 0 {
		res.cpu = used / time.Duration(res.n)
	}
	if len(all) > 0 {
		q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
		res.p50, res.p90, res.p99 = q(0.50), q(0.90), q(0.99)
	}
	return res
}

// do sends a request and reads the whole answer (so the connection is
// kept alive); ok when the status is the expected one.
func do(c *http.Client, req *http.Request, want int, buf []byte) bool {
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	for {
		if _, err := resp.Body.Read(buf); err != nil {
			break
		}
	}
	resp.Body.Close()
	return resp.StatusCode == want
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// seededUser is an Employee and the ids of their expenses.
type seededUser struct {
	id       int64
	expenses []int64
}

// seed writes users and projects through the store, then the expenses
// directly in the store's layout with multi-row INSERTs, all in one
// transaction, as the system would write them (owner, changedBy, dates and
// AutoNumbers set). Writing 100,000 objects one by one through the store
// costs about six round trips each: minutes on PostgreSQL.
func seed(ctx context.Context, rt *runtime.Runtime, users, expenses int) ([]*seededUser, error) {
	app, st := rt.App, rt.Store
	// One hash for every seeded user: they sign in through sessions made
	// directly, so their password is never checked.
	hash, err := identity.Hash(app.Security.HashAlgorithm, "load test password, not used")
	if err != nil {
		return nil, err
	}
	employee := rt.Engine.RoleID("Employee")
	if employee == 0 {
		return nil, fmt.Errorf("the app has no user role Employee")
	}
	userEntity := app.Security.UserEntity
	project, expense := app.Entity("Expenses.Project"), app.Entity("Expenses.Expense")
	if userEntity == nil || project == nil || expense == nil {
		return nil, fmt.Errorf("this is not the example app")
	}
	var out []*seededUser
	var projects []int64
	err = st.Write(ctx, func(tx *store.Tx) error {
		for i := range users {
			o, err := st.Insert(ctx, tx, userEntity, map[string]any{
				"Name": fmt.Sprintf("employee%03d", i), "Password": hash, "Active": true,
				"FullName": fmt.Sprintf("Employee %d", i), model.SystemUserRoles: []int64{employee},
			})
			if err != nil {
				return fmt.Errorf("seeding users: %w", err)
			}
			out = append(out, &seededUser{id: o.ID})
		}
		for i := range 20 {
			o, err := st.Insert(ctx, tx, project, map[string]any{"Name": fmt.Sprintf("Project %02d", i), "Budget": big.NewRat(int64(10000+i*1000), 1)})
			if err != nil {
				return fmt.Errorf("seeding projects: %w", err)
			}
			projects = append(projects, o.ID)
		}
		return seedExpenses(ctx, tx, st, expense, out, projects, expenses)
	})
	if err != nil {
		return nil, err
	}
	// Check the layout was written right: read one back through the engine.
	if expenses > 0 {
		u := out[0]
		r, err := rt.Engine.Get(ctx, security.System(), expense, u.expenses[0])
		if err != nil {
			return nil, fmt.Errorf("reading a seeded expense: %w", err)
		}
		if v := r.Values; v.Value("Description") != "Taxi 0" || v.Value("System.owner") != u.id || v.Value("Number") != int64(1) {
			return nil, fmt.Errorf("a seeded expense reads back as %v", v.Map())
		}
	}
	for _, u := range out {
		if len(u.expenses) == 0 {
			u.expenses = []int64{0} // a get then answers 404: counted as errors
		}
	}
	return out, nil
}

// seedExpenses inserts n expenses spread over users and projects.
func seedExpenses(ctx context.Context, tx *store.Tx, st *store.Store, expense *model.Entity, users []*seededUser, projects []int64, n int) error {
	if n == 0 {
		return nil
	}
	// A block of n object ids from the store's allocator.
	var last int64
	var err error
	if st.Dialect == schema.SQLite {
		err = tx.QueryRow(ctx, `UPDATE rampart_seq SET next = next + ? RETURNING next`, n).Scan(&last)
	} else {
		err = tx.QueryRow(ctx, `SELECT setval('rampart_ids', nextval('rampart_ids') + ? - 1)`, n).Scan(&last)
	}
	if err != nil {
		return fmt.Errorf("allocating ids: %w", err)
	}
	first := last - int64(n) + 1

	m := st.Map
	attr := func(name string) *model.Attribute { return expense.Member(name, nil).Attribute }
	col := func(name string) string { return schema.Quote(m.AttrColumn(attr(name)).Name) }
	ref := func(name string) string { return schema.Quote(m.RefColumn(expense.Member(name, nil).Association).Name) }
	cols := []string{schema.Quote(schema.IDColumn), schema.Quote(schema.TypeColumn), col("Number"), col("Description"),
		schema.Quote(m.FoldColumn(attr("Description")).Name), col("Amount"), col("Currency"), col("Status"), col("SubmittedOn"),
		col("createdDate"), col("changedDate"), ref("System.owner"), ref("System.changedBy"), ref("Expenses.Expense_Project")}
	decimal := func(r *big.Rat) any {
		if st.Dialect == schema.SQLite {
			enc, _ := schema.EncodeDecimal(r)
			return enc
		}
		return store.FormatDecimal(r)
	}
	statuses := []string{"Draft", "Submitted", "Approved", "Rejected"}
	words := []string{"Taxi", "Hotel", "Train", "Lunch", "Flight", "Parking", "Dinner", "Books"}
	now := time.Now().UnixMilli()
	const batch = 1000
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var args []any
		for i := start; i < end; i++ {
			u := users[i%len(users)]
			id := first + int64(i)
			status := statuses[i%len(statuses)]
			created := now - int64(n-i)*60_000
			var submitted any
			if status != "Draft" {
				submitted = created + 3_600_000
			}
			desc := fmt.Sprintf("%s %d", words[i%len(words)], i)
			args = append(args, id, expense.QualifiedName(), int64(i+1), desc, xpath.Fold(desc),
				decimal(big.NewRat(int64(100+i%50000), 100)), "EUR", status, submitted,
				created, created, u.id, u.id, projects[i%len(projects)])
			u.expenses = append(u.expenses, id)
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		q := `INSERT INTO ` + schema.Quote(m.Table(expense).Name) + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", end-start), ", ")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("seeding expenses: %w", err)
		}
	}
	// The AutoNumber continues after the seeded ones.
	_, err = tx.Exec(ctx, `INSERT INTO rampart_autonumber (name, next) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET next = excluded.next`, "Expenses.Expense.Number", int64(n))
	return err
}

// privateSchema creates a schema for the run in the PostgreSQL database at
// base and returns a URL that uses it, and a function that drops it.
func privateSchema(ctx context.Context, base string) (string, func(), error) {
	db, err := store.OpenPostgres(base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "rampart_load_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating schema %s: %w", name, err)
	}
	drop := func() {
		db.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`)
		db.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// cpuModel is the processor's model name (Linux), or the architecture.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return goruntime.GOARCH
}

// loadAverage is the 1-minute load average (Linux): other work on the
// machine skews the figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}
