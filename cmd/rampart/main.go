// Command rampart runs and analyzes model-driven business apps with the
// security system of the Mendix platform. This package is only the command
// line; the work is done in internal/.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error // printed to stderr when not nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// failed ends a command with exit 1: it ran and found problems.
var failed = &exitError{code: 1}

// usageError ends a command with exit 2 and a message.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args, writing to stdout and stderr, and returns
// the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "rampart:", ee.err)
		}
		return ee.code
	}
	// Flag and argument errors from cobra are usage errors.
	fmt.Fprintln(stderr, "rampart:", err)
	fmt.Fprintln(stderr, "Run 'rampart --help' for usage.")
	return 2
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "rampart",
		Short: "Run and govern model-driven apps with Mendix-style security",
		Long: `Rampart serves apps described by a declarative model (domain model, roles,
access rules, pages) with every data access checked, and analyzes the
security of such models and of Mendix projects.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newInitCmd(), newCheckCmd(), newRunCmd(), newOverviewCmd(), newExplainCmd(), newLintCmd(), newDiffCmd(), newVersionCmd())
	root.AddCommand(newUsersCmd())
	root.AddCommand(newImportCmd())
	return root
}

// appArg returns the app directory argument, "." by default.
func appArg(args []string) string {
	if len(args) == 0 {
		return "."
	}
	return args[0]
}
