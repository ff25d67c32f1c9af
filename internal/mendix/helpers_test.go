package mendix

import "github.com/rampart/rampart/internal/mendix/mendixtest"

// Short names for the test project builder.
type (
	D    = mendixtest.D
	E    = mendixtest.E
	A    = mendixtest.A
	RawA = mendixtest.RawA
	G    = mendixtest.G
)

var (
	encodeDoc   = mendixtest.Encode
	guid        = mendixtest.GUID
	tinyProject = mendixtest.Tiny
)

const (
	tinyAdminPassword = mendixtest.TinyAdminPassword
	tinyDemoPassword  = mendixtest.TinyDemoPassword
)

type fixture = mendixtest.Project
