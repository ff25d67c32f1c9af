// Package examples embeds the example apps, so that `rampart init` writes
// exactly the files under examples/ and there is one source for both.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed expenses/app.yaml expenses/modules/*.yaml
var files embed.FS

// Expenses is the example expenses app, rooted at its app directory.
func Expenses() fs.FS {
	sub, err := fs.Sub(files, "expenses")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
