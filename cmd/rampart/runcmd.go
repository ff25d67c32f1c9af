package main

import (
	"github.com/spf13/cobra"
)

func newRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run [APP]",
		Short: "Serve an app (not yet available)",
		Long:  `Run will serve the app in APP with every data access checked. It is not available yet in this build; use 'rampart check APP' to validate a model meanwhile.`,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError("rampart run is not yet available in this version; 'rampart check %s' validates the model meanwhile", appArg(args))
		},
	}
}
