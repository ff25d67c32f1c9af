package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/web"
)

// envOr returns the flag's value, or the environment variable when the
// flag was not given.
func envOr(cmd *cobra.Command, flag, env string, value string) string {
	if !cmd.Flags().Changed(flag) {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			return v
		}
	}
	return value
}

func newRunCmd() *cobra.Command {
	var (
		listen, db, mode, logFormat string
		proxies                     []string
		allowDataLoss               bool
	)
	cmd := &cobra.Command{
		Use:   "run [APP]",
		Short: "Serve an app with every data access checked",
		Long: `Run serves the app in APP (default: the current directory): the HTTP API and
the web client, with entity access enforced inside every database query.

The store is embedded SQLite in APP/data/app.db unless --db names another
(sqlite:PATH or postgres://USER@HOST:PORT/DB). In development mode (the
default) a missing admin password is generated and printed once, and demo
users are available; production mode refuses to start unless the security
level is production, the model checks clean, and the admin password comes
from exactly ${VAR} and satisfies the policy.

Environment: RAMPART_LISTEN, RAMPART_DB and RAMPART_MODE stand in for flags
that are not given, and every ${VAR} the model names is read at start.`,
		Example: `  rampart run examples/expenses
  RAMPART_ADMIN_PASSWORD=... rampart run myapp --mode production --db postgres://rampart@db:5432/app --trusted-proxy 10.0.0.0/8`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			listen = envOr(cmd, "listen", "RAMPART_LISTEN", listen)
			db = envOr(cmd, "db", "RAMPART_DB", db)
			mode = envOr(cmd, "mode", "RAMPART_MODE", mode)
			var prefixes []netip.Prefix
			for _, p := range proxies {
				pr, err := netip.ParsePrefix(p)
				if err != nil {
					a, aerr := netip.ParseAddr(p)
					if aerr != nil {
						return usageError("--trusted-proxy %q is not an address or CIDR range such as 10.0.0.0/8", p)
					}
					pr = netip.PrefixFrom(a, a.BitLen())
				}
				prefixes = append(prefixes, pr.Masked())
			}
			logger, err := newLogger(cmd.ErrOrStderr(), logFormat)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			rt, err := runtime.Start(ctx, runtime.Options{
				AppDir: appArg(args), DB: db, Mode: mode, TrustedProxies: prefixes,
				AllowDataLoss: allowDataLoss, Logger: logger, Stdout: cmd.OutOrStdout(),
				Web: web.Mount,
			})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				rt.Close()
				return &exitError{code: 2, err: fmt.Errorf("cannot listen on %s: %w", listen, err)}
			}
			err = rt.Serve(ctx, l, func() {
				fmt.Fprintf(cmd.OutOrStdout(), "Rampart listening on http://%s/\n", l.Addr().String())
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				return &exitError{code: 1, err: err}
			}
			logger.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	f.StringVar(&db, "db", "", "store URL: sqlite:PATH or postgres://USER@HOST:PORT/DB (default sqlite:APP/data/app.db)")
	f.StringVar(&mode, "mode", "development", "development or production")
	f.StringArrayVar(&proxies, "trusted-proxy", nil, "address or CIDR range of a proxy whose X-Forwarded-For and X-Forwarded-Proto are trusted (repeatable)")
	f.BoolVar(&allowDataLoss, "allow-data-loss", false, "allow a model change to drop stored columns and tables")
	f.StringVar(&logFormat, "log-format", "", "text or json (default: text on a terminal, json otherwise)")
	return cmd
}

// newLogger writes structured logs to w.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usageError("--log-format %q: use text or json", format)
}
