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
	if o.Mode == "" {
		o.Mode = server.Development
	}
	if o.Mode != server.Development && o.Mode != server.Production {
		return nil, refuse("unknown mode %q: use development or production", o.Mode)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	app, diags, err := check.Dir(o.AppDir, model.Options{Getenv: o.Getenv})
	if err != nil {
		return nil, refuse("%v", err)
	}
	if diags.HasErrors() {
		var b strings.Builder
		diag.WriteText(&b, diags)
		return nil, refuse("the model has errors; fix them first (rampart check %s):\n%s", o.AppDir, strings.TrimRight(b.String(), "\n"))
	}
	if err := preflight(app, o); err != nil {
		return nil, err
	}
	if o.DB == "" {
		o.DB = "sqlite:" + filepath.Join(o.AppDir, "data", "app.db")
	}
	st, err := store.Open(ctx, o.DB, app, store.Options{AllowDataLoss: o.AllowDataLoss})
	if err != nil {
		if errors.Is(err, store.ErrDataLoss) {
			return nil, refuse("%v", err)
		}
		return nil, refuse("cannot open the store: %v", err)
	}
	rt := &Runtime{App: app, Store: st, Mode: o.Mode, log: o.Logger}
	fail := func(err error) (*Runtime, error) {
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
	if app.Security.Level != model.LevelOff {
		pw, err := rt.Identity.EnsureAdmin(ctx, o.Mode == server.Development)
		if err != nil {
			return fail(refuse("%v", err))
		}
		if pw != "" {
			fmt.Fprintf(o.Stdout, "admin password for %s: %s\n", app.Security.AdminUser.Name, pw)
		}
		if o.Mode == server.Development && app.Security.DemoUsers.Enabled {
			if err := rt.Identity.EnsureDemoUsers(ctx); err != nil {
				return fail(err)
			}
		}
	}
	cfg := server.Config{App: app, Store: st, Engine: rt.Engine, Identity: rt.Identity, Mode: o.Mode, TrustedProxies: o.TrustedProxies, Logger: o.Logger, Now: o.Now}
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
