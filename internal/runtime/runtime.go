// Package runtime starts an app: it loads and checks the model, opens the
// store, sets up the administrator and demo users, and serves the HTTP API.
// `rampart run` and the end-to-end tests both start apps through it.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
)

// Options configure a start.
type Options struct {
	AppDir         string
	DB             string // store URL; default sqlite:APP/data/app.db
	Mode           string // development (default) or production
	TrustedProxies []netip.Prefix
	AllowDataLoss  bool
	Logger         *slog.Logger
	Getenv         func(string) (string, bool)
	// Stdout receives the start-up lines of cli.md.
	Stdout io.Writer
	// SweepEvery is the interval of the background sweep (default 30s).
	SweepEvery time.Duration
	// Web, when set, adds the web client's routes.
	Web func(*Runtime, *http.ServeMux)
	// Now replaces the clock everywhere (tests); default time.Now.
	Now func() time.Time
}

// StartError is a refusal to start; the message names the cause.
type StartError struct{ Msg string }

func (e *StartError) Error() string { return e.Msg }

func refuse(format string, args ...any) error { return &StartError{Msg: fmt.Sprintf(format, args...)} }

// Runtime is a started app.
type Runtime struct {
	App      *model.App
	Store    *store.Store
	Engine   *security.Engine
	Identity *identity.Service
	Server   *server.Server
	Mode     string
	log      *slog.Logger
	stop     context.CancelFunc
	wg       sync.WaitGroup
	closed   sync.Once
	closeErr error
}

// Start loads, checks and prepares the app. It does not listen yet.
func Start(ctx context.Context, o Options) (*Runtime, error) {
	o, err := o.defaults()
	if err != nil {
		return nil, err
	}
	app, err := load(o)
	if err != nil {
		return nil, err
	}
	if err := preflight(app, o); err != nil {
		return nil, err
	}
	rt, err := open(ctx, app, o, func(rt *Runtime) error {
		if app.Security.Level == model.LevelOff {
			return nil
		}
		pw, err := rt.Identity.EnsureAdmin(ctx, o.Mode == server.Development)
		if err != nil {
			return refuse("%v", err)
		}
		if pw != "" {
			fmt.Fprintf(o.Stdout, "admin password for %s: %s\n", app.Security.AdminUser.Name, pw)
		}
		if o.Mode == server.Development && app.Security.DemoUsers.Enabled {
			if err := rt.Identity.EnsureDemoUsers(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cfg := server.Config{App: app, Store: rt.Store, Engine: rt.Engine, Identity: rt.Identity, Mode: o.Mode, TrustedProxies: o.TrustedProxies, Logger: o.Logger, Now: o.Now}
	if o.Web != nil {
		cfg.Extra = func(mux *http.ServeMux) { o.Web(rt, mux) }
	}
	rt.Server = server.New(cfg)
	if o.Mode == server.Production && len(o.TrustedProxies) == 0 {
		o.Logger.Warn("no --trusted-proxy given: cookies are Secure only for direct HTTPS, and client addresses are the peers'")
	}
	sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rt.stop = cancel
	every := o.SweepEvery
	if every == 0 {
		every = 30 * time.Second
	}
	rt.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-sweepCtx.Done():
				return
			case <-t.C:
				if err := rt.Identity.Sweep(sweepCtx); err != nil && sweepCtx.Err() == nil {
					o.Logger.Error("session sweep failed", "error", err.Error())
				}
			}
		}
	})
	return rt, nil
}

// OpenStore loads and checks the app and opens its store, engine and
// identity service as Start does, but sets up no administrator or demo
// users, runs no sweep and serves nothing: for commands that work on the
// store directly (`rampart users`). Close the result when done.
func OpenStore(ctx context.Context, o Options) (*Runtime, error) {
	o, err := o.defaults()
	if err != nil {
		return nil, err
	}
	app, err := load(o)
	if err != nil {
		return nil, err
	}
	switch app.Security.HashAlgorithm.Name {
	case "ssha256", "sha256", "md5":
		return nil, refuse("hash algorithm %s is accepted for analysing imported apps only; use bcrypt or argon2id", app.Security.HashAlgorithm.Name)
	}
	return open(ctx, app, o, nil)
}

func (o Options) defaults() (Options, error) {
	if o.Mode == "" {
		o.Mode = server.Development
	}
	if o.Mode != server.Development && o.Mode != server.Production {
		return o, refuse("unknown mode %q: use development or production", o.Mode)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.DB == "" {
		o.DB = "sqlite:" + filepath.Join(o.AppDir, "data", "app.db")
	}
	return o, nil
}

// load reads and checks the model; errors refuse the start.
func load(o Options) (*model.App, error) {
	app, diags, err := check.Dir(o.AppDir, model.Options{Getenv: o.Getenv})
	if err != nil {
		return nil, refuse("%v", err)
	}
	if diags.HasErrors() {
		var b strings.Builder
		diag.WriteText(&b, diags)
		return nil, refuse("the model has errors; fix them first (rampart check %s):\n%s", o.AppDir, strings.TrimRight(b.String(), "\n"))
	}
	return app, nil
}

// open opens the store and makes the engine and identity service; setup,
// when given, runs before it returns.
func open(ctx context.Context, app *model.App, o Options, setup func(*Runtime) error) (*Runtime, error) {
	st, err := store.Open(ctx, o.DB, app, store.Options{AllowDataLoss: o.AllowDataLoss})
	if err != nil {
		if errors.Is(err, store.ErrDataLoss) || errors.Is(err, store.ErrOlderModel) {
			return nil, refuse("%v", err)
		}
		return nil, refuse("cannot open the store: %v", err)
	}
	rt := &Runtime{App: app, Store: st, Mode: o.Mode, log: o.Logger}
	// Instances starting together on one PostgreSQL database would race
	// to create the session tables, user roles, admin and demo users.
	unlock, err := setupLock(ctx, st)
	if err != nil {
		st.Close()
		return nil, refuse("cannot open the store: %v", err)
	}
	fail := func(err error) (*Runtime, error) {
		unlock()
		st.Close()
		return nil, err
	}
	rt.Engine = security.New(app, st)
	if o.Now != nil {
		rt.Engine.SetClock(o.Now)
	}
	if err := rt.Engine.SyncUserRoles(ctx); err != nil {
		return fail(err)
	}
	rt.Identity, err = identity.New(ctx, app, st, rt.Engine, o.Logger)
	if err != nil {
		return fail(err)
	}
	if o.Now != nil {
		rt.Identity.SetClock(o.Now)
	}
	if setup != nil {
		if err := setup(rt); err != nil {
			return fail(err)
		}
	}
	unlock()
	return rt, nil
}

// setupLockKey names the PostgreSQL advisory lock under which an instance
// sets itself up after the store's migration ("Rams"; the migration has
// its own lock).
const setupLockKey = 0x52616D73

// setupLock takes the set-up lock on PostgreSQL (SQLite has one writer
// anyway) and returns its release.
func setupLock(ctx context.Context, st *store.Store) (unlock func(), err error) {
	if st.Dialect != schema.Postgres {
		return func() {}, nil
	}
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking the start-up lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, setupLockKey); err != nil {
		conn.Close()
		return nil, fmt.Errorf("taking the start-up lock: %w", err)
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, setupLockKey)
		conn.Close()
	}, nil
}

// preflight applies the refusals of security.md ("Modes and security
// levels") before anything is opened.
func preflight(app *model.App, o Options) error {
	s := app.Security
	switch s.HashAlgorithm.Name {
	case "ssha256", "sha256", "md5":
		return refuse("hash algorithm %s is accepted for analysing imported apps only; use bcrypt or argon2id to run", s.HashAlgorithm.Name)
	}
	if o.Mode != server.Production {
		if s.AdminUser.Password.Unset {
			if s.AdminUser.Password.VarName == "" {
				// Not exactly ${VAR}: the model keeps no variable name.
				return refuse("an environment variable named in adminUser.password is not set")
			}
			return refuse("environment variable %s of adminUser.password is not set", s.AdminUser.Password.VarName)
		}
		return nil
	}
	switch {
	case s.Level != model.LevelProduction:
		return refuse("production mode needs security.level production (it is %s)", s.Level)
	case s.HashAlgorithm.Name == "bcrypt" && s.HashAlgorithm.Cost < 10:
		return refuse("production mode needs a bcrypt cost of at least 10 (hashAlgorithm is %s)", s.HashAlgorithm)
	case !s.AdminUser.Password.Written || !s.AdminUser.Password.EnvOnly:
		return refuse("production mode needs adminUser.password written as exactly ${VAR}, with VAR set in the environment")
	case s.AdminUser.Password.Unset || !s.AdminUser.Password.Given:
		return refuse("production mode needs the admin password: environment variable %s is not set or empty", s.AdminUser.Password.VarName)
	}
	if err := identity.CheckPolicy(s.PasswordPolicy, s.AdminUser.Name, s.AdminUser.Password.Value); err != nil {
		return refuse("the admin password does not satisfy the password policy: %v", err)
	}
	return nil
}

// Serve answers requests on l until ctx ends, then shuts down gracefully:
// requests in flight finish and the store is closed. ready is called once
// the server accepts requests.
func (rt *Runtime) Serve(ctx context.Context, l net.Listener, ready func()) error {
	srv := &http.Server{
		Handler:           rt.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(rt.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	if ready != nil {
		ready()
	}
	select {
	case err := <-errc:
		rt.Close()
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdown)
	rt.Close()
	return err
}

// Close stops the background work and closes the store.
func (rt *Runtime) Close() error {
	rt.closed.Do(func() {
		if rt.stop != nil {
			rt.stop()
		}
		rt.wg.Wait()
		rt.closeErr = rt.Store.Close()
	})
	return rt.closeErr
}
