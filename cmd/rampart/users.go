package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// newUsersCmd is `rampart users`: user administration directly on an
// app's store, for operators (the first accounts of a deployment, a
// forgotten password, a user to lock out at once).
func newUsersCmd() *cobra.Command {
	users := &cobra.Command{
		Use:   "users",
		Short: "Add, list, block and delete users directly in an app's store",
		Long: `Users manages the users of an app by working directly on its store, without
a running server and without signing in: use it to create the first accounts
of a deployment, to reset a password, or to block a user at once. It may run
while instances of the app are serving: they see the change immediately.

Every subcommand takes the app directory as its last argument (default: the
current directory) and the store as --db (default sqlite:APP/data/app.db, or
RAMPART_DB when set), exactly as 'rampart run' does.

Names compare ignoring case. Changing a password, blocking and deleting end
every session of that user. The password policy of app.yaml applies to every
password set here.

Exit status: 0 done; 1 the user already exists (add) or does not exist (the
others); 2 usage error, a password the policy refuses, or an app or store that
cannot be opened (the message says which).`,
		Example: `  rampart users add alice --role Employee myapp
  printf '%s\n' "$NEW_PASSWORD" | rampart users add bob --role Employee --role Manager --password-stdin myapp
  rampart users list myapp --db postgres://rampart@db:5432/app
  rampart users block alice myapp`,
		// Without this, an unknown subcommand would print the help and exit 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown command %q for \"rampart users\"; use add, list, passwd, block, unblock or delete", args[0])
			}
			return cmd.Help()
		},
	}
	users.AddCommand(newUsersAddCmd(), newUsersListCmd(), newUsersPasswdCmd(),
		newUsersBlockCmd(true), newUsersBlockCmd(false), newUsersDeleteCmd())
	return users
}

// dbFlag adds --db to a users subcommand.
func dbFlag(cmd *cobra.Command, db *string) {
	cmd.Flags().StringVar(db, "db", "", "store URL: sqlite:PATH or postgres://USER@HOST:PORT/DB (default sqlite:APP/data/app.db; env RAMPART_DB)")
}

// withStore opens the app's store as `rampart run` would, without
// serving, runs f on it and closes it. An SQLite store that another
// process (a running instance) is writing may answer "busy" when a
// transaction that has read wants to write; f then runs again, from the
// start, a few times. f must print only once it has succeeded.
func withStore(cmd *cobra.Command, app, db string, f func(ctx context.Context, rt *runtime.Runtime) error) error {
	db = envOr(cmd, "db", "RAMPART_DB", db)
	ctx := cmd.Context()
	delay := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := func() error {
			rt, err := runtime.OpenStore(ctx, runtime.Options{AppDir: app, DB: db})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			defer rt.Close()
			return f(ctx, rt)
		}()
		if err == nil || attempt == 10 || !busy(err) {
			return err
		}
		time.Sleep(delay + rand.N(delay))
		delay = min(2*delay, time.Second)
	}
}

// busy reports an SQLite "busy" refusal (SQLITE_BUSY and its extended
// codes, such as 517 for a stale read snapshot).
func busy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// storeError ends a command that failed on the store (exit 2).
func storeError(err error) error {
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		var b strings.Builder
		b.WriteString("the user is refused:")
		for _, d := range ve.Details {
			fmt.Fprintf(&b, "\n  %s: %s", d.Member, d.Message)
		}
		return &exitError{code: 2, err: errors.New(b.String())}
	}
	var pe *identity.PolicyError
	if errors.As(err, &pe) {
		var b strings.Builder
		b.WriteString("the password does not satisfy the password policy:")
		for _, f := range pe.Failures {
			fmt.Fprintf(&b, "\n  %s: %s", f.Rule, f.Message)
		}
		return &exitError{code: 2, err: errors.New(b.String())}
	}
	return &exitError{code: 2, err: err}
}

// noSuchUser ends a command whose user does not exist (exit 1).
func noSuchUser(name string) error {
	return &exitError{code: 1, err: fmt.Errorf("there is no user named %q (see rampart users list)", name)}
}

// findUser returns the record of the (non-anonymous) user with this name.
func findUser(ctx context.Context, rt *runtime.Runtime, name string) (*identity.Record, error) {
	id, err := rt.Identity.FindUser(ctx, name)
	if err != nil {
		return nil, storeError(err)
	}
	if id == 0 {
		return nil, noSuchUser(name)
	}
	rec, err := rt.Identity.User(ctx, id)
	if err != nil {
		return nil, storeError(err)
	}
	if rec == nil || rec.Anonymous {
		return nil, noSuchUser(name)
	}
	return rec, nil
}

// readPassword reads one password from r: everything up to an optional
// final line ending.
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return "", usageError("cannot read the password from standard input: %v", err)
	}
	pw := strings.TrimSuffix(string(b), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	switch {
	case pw == "":
		return "", usageError("--password-stdin: standard input holds no password")
	case strings.ContainsAny(pw, "\r\n"):
		return "", usageError("--password-stdin: give the password on one line")
	case !utf8.ValidString(pw):
		return "", usageError("--password-stdin: the password is not valid UTF-8")
	}
	return pw, nil
}

// userRoles resolves --role names against app.yaml's user roles.
func userRoles(app *model.App, names []string) ([]*model.UserRole, error) {
	var out []*model.UserRole
	for _, n := range names {
		i := slices.IndexFunc(app.Security.UserRoles, func(r *model.UserRole) bool { return r.Name == n })
		if i < 0 {
			var all []string
			for _, r := range app.Security.UserRoles {
				all = append(all, r.Name)
			}
			return nil, usageError("--role %q is not a user role of the app; its user roles are %s", n, strings.Join(all, ", "))
		}
		if !slices.Contains(out, app.Security.UserRoles[i]) {
			out = append(out, app.Security.UserRoles[i])
		}
	}
	return out, nil
}

// nameAndApp splits NAME [APP].
func nameAndApp(args []string) (name, app string) {
	return args[0], appArg(args[1:])
}

func newUsersAddCmd() *cobra.Command {
	var (
		db        string
		roles     []string
		fromStdin bool
	)
	cmd := &cobra.Command{
		Use:   "add NAME --role ROLE [--role ROLE]... [--password-stdin] [APP]",
		Short: "Create a user with the given user roles",
		Long: `Add creates the user NAME, active, with the user roles given by --role (user
roles of app.yaml, repeatable), as an object of security.userEntity.

With --password-stdin the password is read from standard input (one line; a
final newline is dropped); otherwise a random password that satisfies the
policy is generated and printed once as "password for NAME: PASSWORD". A
password the policy refuses is an error (exit 2) that lists every failed
rule. A user with this name (ignoring case) already existing is exit 1.`,
		Example: `  rampart users add alice --role Employee myapp
  rampart users add carol --role Manager --role Employee --db postgres://rampart@db:5432/app
  printf '%s\n' "$PASSWORD" | rampart users add bob --role Employee --password-stdin myapp`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, appDir := nameAndApp(args)
			if strings.TrimSpace(name) == "" {
				return usageError("the user name is empty")
			}
			var password string
			if fromStdin {
				var err error
				if password, err = readPassword(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			return withStore(cmd, appDir, db, func(ctx context.Context, rt *runtime.Runtime) error {
				rs, err := userRoles(rt.App, roles)
				if err != nil {
					return err
				}
				if id, err := rt.Identity.FindUser(ctx, name); err != nil {
					return storeError(err)
				} else if id != 0 {
					return &exitError{code: 1, err: fmt.Errorf("a user named %q already exists (names compare ignoring case)", name)}
				}
				pw := password
				if pw == "" {
					pw = identity.GeneratePassword(rt.App.Security.PasswordPolicy, name)
				}
				if _, err := rt.Identity.CreateUser(ctx, name, pw, rs, true); err != nil {
					var ce *store.ConflictError
					if errors.As(err, &ce) {
						return &exitError{code: 1, err: err}
					}
					return storeError(err)
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "added user %s with roles %s\n", name, roleList(rs, ", "))
				if password == "" {
					fmt.Fprintf(out, "password for %s: %s\n", name, pw)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&roles, "role", nil, "a user role of app.yaml (repeatable; at least one)")
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	cmd.MarkFlagRequired("role")
	dbFlag(cmd, &db)
	return cmd
}

// roleList joins role names, "-" for none.
func roleList(rs []*model.UserRole, sep string) string {
	if len(rs) == 0 {
		return "-"
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return strings.Join(names, sep)
}

func newUsersListCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "list [APP]",
		Short: "List the users, one per line",
		Long: `List prints every user (anonymous users aside), sorted by name ignoring case,
one per line as four tab-separated fields:

  NAME  ROLES  active|inactive  blocked|-

ROLES is a comma-separated list of user roles in app.yaml order, or - for
none. A user locked out by failed sign-ins shows as blocked until the
lockout is lifted.`,
		Example: `  rampart users list myapp
  rampart users list --db postgres://rampart@db:5432/app | awk -F'\t' '$4 == "blocked"'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, appArg(args), db, func(ctx context.Context, rt *runtime.Runtime) error {
				recs, err := rt.Identity.ListUsers(ctx)
				if err != nil {
					return storeError(err)
				}
				slices.SortStableFunc(recs, func(a, b *identity.Record) int {
					if c := strings.Compare(xpath.Fold(a.Name), xpath.Fold(b.Name)); c != 0 {
						return c
					}
					return strings.Compare(a.Name, b.Name)
				})
				var b strings.Builder
				for _, r := range recs {
					active, blocked := "active", "-"
					if !r.Active {
						active = "inactive"
					}
					if r.Blocked {
						blocked = "blocked"
					}
					fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", r.Name, roleList(r.Roles, ","), active, blocked)
				}
				_, err = io.WriteString(cmd.OutOrStdout(), b.String())
				return err
			})
		},
	}
	dbFlag(cmd, &db)
	return cmd
}

func newUsersPasswdCmd() *cobra.Command {
	var (
		db        string
		fromStdin bool
	)
	cmd := &cobra.Command{
		Use:   "passwd NAME [--password-stdin] [APP]",
		Short: "Set a user's password and end their sessions",
		Long: `Passwd sets the password of the user NAME and ends every session of that
user. With --password-stdin the password is read from standard input (one
line; a final newline is dropped); otherwise a random password that satisfies
the policy is generated and printed once as "password for NAME: PASSWORD".
The policy applies (exit 2 with every failed rule). A lockout is not lifted:
use 'rampart users unblock' for that.`,
		Example: `  printf '%s\n' "$PASSWORD" | rampart users passwd alice --password-stdin myapp
  rampart users passwd admin myapp`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, appDir := nameAndApp(args)
			var password string
			if fromStdin {
				var err error
				if password, err = readPassword(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			return withStore(cmd, appDir, db, func(ctx context.Context, rt *runtime.Runtime) error {
				rec, err := findUser(ctx, rt, name)
				if err != nil {
					return err
				}
				pw := password
				if pw == "" {
					pw = identity.GeneratePassword(rt.App.Security.PasswordPolicy, rec.Name)
				}
				if err := rt.Identity.SetPassword(ctx, rec.ID, pw, nil); err != nil {
					return storeError(err)
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "changed the password of %s; their sessions have ended\n", rec.Name)
				if password == "" {
					fmt.Fprintf(out, "password for %s: %s\n", rec.Name, pw)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	dbFlag(cmd, &db)
	return cmd
}

func newUsersBlockCmd(block bool) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "block NAME [APP]",
		Short: "Block a user until unblocked, ending their sessions",
		Long: `Block blocks the user NAME: they cannot sign in until 'rampart users unblock'
(or a manager) lifts the block; unlike a lockout after failed sign-ins, it
does not expire. Every session of the user ends at once.`,
		Example: `  rampart users block alice myapp`,
	}
	if !block {
		cmd.Use = "unblock NAME [APP]"
		cmd.Short = "Lift a user's block or lockout"
		cmd.Long = `Unblock lifts the block of the user NAME, whether set by 'rampart users
block', by a manager, or by the lockout after failed sign-ins, and resets the
count of failed sign-ins.`
		cmd.Example = `  rampart users unblock alice myapp`
	}
	cmd.Args = cobra.RangeArgs(1, 2)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		name, appDir := nameAndApp(args)
		return withStore(cmd, appDir, db, func(ctx context.Context, rt *runtime.Runtime) error {
			rec, err := findUser(ctx, rt, name)
			if err != nil {
				return err
			}
			if err := rt.Identity.SetBlocked(ctx, rec.ID, block); err != nil {
				return storeError(err)
			}
			if block {
				fmt.Fprintf(cmd.OutOrStdout(), "blocked %s; their sessions have ended\n", rec.Name)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "unblocked %s\n", rec.Name)
			}
			return nil
		})
	}
	dbFlag(cmd, &db)
	return cmd
}

func newUsersDeleteCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "delete NAME [APP]",
		Short: "Delete a user and end their sessions",
		Long: `Delete deletes the user NAME and ends their sessions. References to the user
(such as System.owner of the objects they created) are cleared, whatever the
association's onDelete says. Deleting the administrator of app.yaml is
allowed; the next 'rampart run' creates it again.`,
		Example: `  rampart users delete alice myapp`,
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, appDir := nameAndApp(args)
			return withStore(cmd, appDir, db, func(ctx context.Context, rt *runtime.Runtime) error {
				rec, err := findUser(ctx, rt, name)
				if err != nil {
					return err
				}
				if err := rt.Identity.DeleteUser(ctx, rec.ID); err != nil {
					return storeError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", rec.Name)
				return nil
			})
		},
	}
	dbFlag(cmd, &db)
	return cmd
}
