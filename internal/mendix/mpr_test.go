package mendix

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenFormats reads the tiny project in both layouts: the same units,
// the version told apart by _MetaData.
func TestOpenFormats(t *testing.T) {
	f := tinyProject()
	p1, err := Open(f.WriteV1(t, filepath.Join(t.TempDir(), "v1")))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Open(f.WriteV2(t, filepath.Join(t.TempDir(), "v2")))
	if err != nil {
		t.Fatal(err)
	}
	if p1.Format != 1 || p2.Format != 2 || p1.ProductVersion != "10.18.0.12345" {
		t.Errorf("formats %d %d, version %q", p1.Format, p2.Format, p1.ProductVersion)
	}
	if len(p1.Units) != len(f.Units) || len(p2.Units) != len(f.Units) {
		t.Fatalf("%d and %d units, want %d", len(p1.Units), len(p2.Units), len(f.Units))
	}
	for i, u := range p1.Units {
		v := p2.Units[i]
		if u.ID != v.ID || u.ContainerID != v.ContainerID || u.Type != v.Type || u.ContainmentName != v.ContainmentName {
			t.Errorf("unit %d differs: %+v / %+v", i, u, v)
		}
	}
	root := p2.Root()
	if root == nil || root.ID != string(guid(1)) || root.ContainerID != root.ID {
		t.Fatalf("root %+v", root)
	}
	// A document in a folder belongs to the folder's module.
	var enum *Unit
	for _, u := range p2.Units {
		if u.Doc.Str("Name") == "Status" {
			enum = u
		}
	}
	if m := p2.Module(enum); m == nil || m.Doc.Str("Name") != "Shop" {
		t.Errorf("module of Status: %+v", m)
	}
	if p2.Module(root) != nil {
		t.Error("the project is in no module")
	}
	if !strings.HasPrefix(p2.Unit(string(guid(20))).Source, "mprcontents/00/00/00000014-") {
		t.Errorf("v2 source %q", p2.Unit(string(guid(20))).Source)
	}
}

// TestOpenReadOnly: opening never changes the project, not even its
// modification time, and works on a read-only directory.
func TestOpenReadOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	path := tinyProject().WriteV2(t, dir)
	before, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if _, err := Import(path, Options{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	now, _ := os.ReadFile(path)
	if !after.ModTime().Equal(before.ModTime()) || string(now) != string(data) {
		t.Error("the project file changed")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "App.mpr" && e.Name() != "mprcontents" {
			t.Errorf("opening left %s behind", e.Name())
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sqlite := func(name string, stmts ...string) string {
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite", "file:"+p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		return p
	}
	cases := map[string]string{
		filepath.Join(dir, "missing.mpr"): "no such file",
		dir:                               "is a directory",
		write("text.mpr", []byte("this is not a database, just some text that is long enough to be read")): "not a database",
		write("empty.mpr", nil):                                               "not a Mendix project",
		sqlite("nometa.mpr", "CREATE TABLE x (y)"):                            "no _MetaData",
		sqlite("nounit.mpr", "CREATE TABLE _MetaData (_ProductVersion TEXT)"): "no UnitID",
		sqlite("v1nocontents.mpr", "CREATE TABLE _MetaData (_ProductVersion TEXT)", "CREATE TABLE Unit (UnitID BLOB, ContainerID BLOB, ContainmentName TEXT)"): "without a Contents column",
		sqlite("badid.mpr", "CREATE TABLE _MetaData (_ProductVersion TEXT)", "CREATE TABLE Unit (UnitID BLOB, ContainerID BLOB, ContainmentName TEXT, Contents BLOB)",
			"INSERT INTO Unit VALUES (x'0102', NULL, '', x'0500000000')"): "unit id of 2 bytes",
		sqlite("badbson.mpr", "CREATE TABLE _MetaData (_ProductVersion TEXT)", "CREATE TABLE Unit (UnitID BLOB, ContainerID BLOB, ContainmentName TEXT, Contents BLOB)",
			"INSERT INTO Unit VALUES (x'0102030405060708090a0b0c0d0e0f10', NULL, '', x'0600000000')"): "bad BSON",
	}
	for path, want := range cases {
		_, err := Import(path, Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", filepath.Base(path), err, want)
		}
	}
	// A project without a project unit cannot be converted.
	f := &fixture{}
	f.Add(guid(2), guid(1), "Modules", D{{"$Type", "Projects$ModuleImpl"}, {"Name", "M"}})
	if _, err := Import(f.WriteV1(t, filepath.Join(dir, "noroot")), Options{}); !errors.Is(err, ErrNotMPR) {
		t.Errorf("no root: %v", err)
	}
}

// TestOpenV2Damaged: a missing or corrupted .mxunit file is an error that
// names the unit.
func TestOpenV2Damaged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	path := tinyProject().WriteV2(t, dir)
	id := string(guid(30))
	unit := filepath.Join(dir, "mprcontents", id[0:2], id[2:4], id+".mxunit")
	data, _ := os.ReadFile(unit)
	if err := os.WriteFile(unit, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), id) || !errors.Is(err, ErrBSON) {
		t.Errorf("truncated unit: %v", err)
	}
	os.Remove(unit)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), id) {
		t.Errorf("missing unit: %v", err)
	}
}

// TestTruncatedMPR: every cut of a v1 project file at a page boundary
// and around it, and corrupted bytes throughout the file, give an error or
// a project, never a panic. (FuzzMPR does the same with random input, but
// slowly: the fuzzer instruments all of SQLite.)
func TestTruncatedMPR(t *testing.T) {
	dir := t.TempDir()
	path := tinyProject().WriteV1(t, filepath.Join(dir, "full"))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.mpr")
	try := func(what string, b []byte) {
		t.Helper()
		if err := os.WriteFile(cut, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if res, err := Import(cut, Options{}); err == nil && res == nil {
			t.Errorf("%s: no result and no error", what)
		}
	}
	for n := 0; n < len(data); n += 256 {
		try(fmt.Sprintf("cut at %d", n), data[:n])
		if n > 0 {
			try(fmt.Sprintf("cut at %d", n-1), data[:n-1])
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := bytes.Clone(data)
		for range 1 + rng.IntN(8) {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		try("corrupted", b)
	}
}
