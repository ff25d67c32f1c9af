package store

// Migration tests: a populated store is reopened with changed models.
// Additions are applied and keep the data; changes that would lose data
// are refused with ErrDataLoss naming what would be lost, unless
// Options.AllowDataLoss; an older model against a newer store is refused.

import (
	"context"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
)

const migApp = `name: Mig
security:
  level: production
  hashAlgorithm: bcrypt:4
  adminUser: {name: admin, role: Admin}
  userRoles:
    Admin:
      moduleRoles: [System.Administrator, Shop.Admin]
`

// migV1 is the model the store is first opened with. Later versions are
// made from it by text replacement, so that every change is visible in
// the test that makes it.
const migV1 = `module: Shop
roles:
  Admin: Everything
entities:
  Item:
    attributes:
      Name: {type: String, length: 50, required: true}
      Price: {type: Decimal}
      Qty: {type: Integer}
      Note: {type: String}
    access:
      - roles: [Admin]
        create: true
        delete: true
        defaultMemberAccess: ReadWrite
  Gadget:
    generalization: Shop.Item
    attributes:
      Color: {type: String, length: 20}
    access:
      - roles: [Admin]
        create: true
        delete: true
        defaultMemberAccess: ReadWrite
  Widget:
    generalization: Shop.Item
    access:
      - roles: [Admin]
        create: true
        delete: true
        defaultMemberAccess: ReadWrite
  Box:
    attributes:
      Label: {type: String, length: 50}
    access:
      - roles: [Admin]
        create: true
        delete: true
        defaultMemberAccess: ReadWrite
associations:
  Item_Box: {from: Item, to: Box}
`

// additions turn migV1 into migV2: new attributes with defaults, a new
// entity, a new Reference and ReferenceSet, and an index.
var additions = []string{
	"      Note: {type: String}\n",
	"      Note: {type: String}\n" +
		"      Stock: {type: Integer, default: 7}\n" +
		"      Active: {type: Boolean, default: true}\n" +
		"      Code: {type: String, length: 10, default: 'ÀB'}\n" +
		"      Since: {type: DateTime, default: '2026-01-02'}\n" +
		"      Kind: {type: Enumeration, enum: Kind, default: Big}\n" +
		"    indexes:\n" +
		"      - [Qty, Name]\n",
	"associations:\n",
	"  Crate:\n" +
		"    attributes:\n" +
		"      Size: {type: Integer}\n" +
		"    access:\n" +
		"      - roles: [Admin]\n" +
		"        create: true\n" +
		"        defaultMemberAccess: ReadWrite\n" +
		"associations:\n" +
		"  Item_Crate: {from: Item, to: Crate}\n" +
		"  Item_Crates: {from: Item, to: Crate, type: ReferenceSet}\n",
	"roles:\n",
	"enumerations:\n  Kind: [Big, Small]\nroles:\n",
}

func migModel(t *testing.T, module string) *model.App {
	t.Helper()
	fsys := fstest.MapFS{
		"app.yaml":          {Data: []byte(migApp)},
		"modules/Shop.yaml": {Data: []byte(module)},
	}
	app, diags, err := model.LoadFS(fsys, model.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("model: %v %v\n%s", err, diags, module)
	}
	return app
}

// edit applies old -> new replacements to a module text; each old text
// must occur exactly once.
func edit(t *testing.T, module string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if n := strings.Count(module, pairs[i]); n != 1 {
			t.Fatalf("%q occurs %d times", pairs[i], n)
		}
		module = strings.Replace(module, pairs[i], pairs[i+1], 1)
	}
	return module
}

func migV2(t *testing.T) string { return edit(t, migV1, additions...) }

// migURLs gives a fresh store URL per store kind; a test reopens the same
// URL with other models.
func migURLs(t *testing.T) map[string]string {
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "app.db")}
	if url := os.Getenv("RAMPART_TEST_POSTGRES"); url != "" {
		out["postgres"] = FreshPostgresSchema(t, url)
	} else {
		t.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL part skipped")
	}
	return out
}

func migOpen(t *testing.T, url string, app *model.App, opts Options) (*Store, error) {
	t.Helper()
	s, err := Open(context.Background(), url, app, opts)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

// populate stores objects of v1: two items, a gadget, a widget and a box.
func populate(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	err := s.Write(ctx, func(tx *Tx) error {
		box, err := s.Insert(ctx, tx, s.App.Entity("Shop.Box"), map[string]any{"Label": "B"})
		if err != nil {
			return err
		}
		ids["box"] = box.ID
		for _, o := range []struct {
			name, entity string
			vals         map[string]any
		}{
			{"apple", "Shop.Item", map[string]any{"Name": "Apple", "Price": big.NewRat(5, 2), "Qty": int64(3), "Shop.Item_Box": box.ID}},
			{"pear", "Shop.Item", map[string]any{"Name": "Pear", "Qty": int64(4), "Note": "ripe"}},
			{"gadget", "Shop.Gadget", map[string]any{"Name": "Gizmo", "Color": "red", "Shop.Item_Box": box.ID}},
			{"widget", "Shop.Widget", map[string]any{"Name": "Wid"}},
		} {
			obj, err := s.Insert(ctx, tx, s.App.Entity(o.entity), o.vals)
			if err != nil {
				return err
			}
			ids[o.name] = obj.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func get(t *testing.T, s *Store, entity string, id int64) (*Object, error) {
	t.Helper()
	var obj *Object
	err := s.Read(context.Background(), func(tx *Tx) error {
		var err error
		obj, err = s.Get(context.Background(), tx, s.App.Entity(entity), id)
		return err
	})
	return obj, err
}

func mustGet(t *testing.T, s *Store, entity string, id int64) *Object {
	t.Helper()
	obj, err := get(t, s, entity, id)
	if err != nil {
		t.Fatalf("reading %s %d: %v", entity, id, err)
	}
	return obj
}

// count counts the objects of a hierarchy's table.
func count(t *testing.T, s *Store, entity string) int {
	t.Helper()
	var n int
	err := s.Read(context.Background(), func(tx *Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+schema.Quote(s.Map.Table(s.App.Entity(entity)).Name)).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hasIndex(t *testing.T, s *Store, name string) bool {
	t.Helper()
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
	if s.Dialect == schema.Postgres {
		q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?`
	}
	var n int
	err := s.Read(context.Background(), func(tx *Tx) error {
		return tx.QueryRow(context.Background(), q, name).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestMigrateAdditions(t *testing.T) {
	ctx := context.Background()
	for kind, url := range migURLs(t) {
		t.Run(kind, func(t *testing.T) {
			s1, err := migOpen(t, url, migModel(t, migV1), Options{})
			if err != nil {
				t.Fatal(err)
			}
			ids := populate(t, s1)
			s1.Close()

			v2 := migModel(t, migV2(t))
			s2, err := migOpen(t, url, v2, Options{})
			if err != nil {
				t.Fatalf("reopening with additions: %v", err)
			}
			apple := mustGet(t, s2, "Shop.Item", ids["apple"])
			if apple.Values["Name"] != "Apple" || FormatDecimal(apple.Values["Price"].(*big.Rat)) != "2.5" || apple.Values["Shop.Item_Box"] != ids["box"] {
				t.Errorf("apple after the migration: %v", apple.Values)
			}
			// Rows that predate an attribute get its default.
			since, _ := ParseValue(v2.Entity("Shop.Item").Member("Since", nil).Attribute, "2026-01-02", v2.TimeZone)
			for _, name := range []string{"apple", "pear", "gadget", "widget"} {
				entity := map[string]string{"gadget": "Shop.Gadget", "widget": "Shop.Widget"}[name]
				if entity == "" {
					entity = "Shop.Item"
				}
				o := mustGet(t, s2, entity, ids[name])
				if o.Values["Stock"] != int64(7) || o.Values["Active"] != true || o.Values["Code"] != "ÀB" || o.Values["Since"] != since || o.Values["Kind"] != "Big" {
					t.Errorf("%s: defaults not filled: %v", name, o.Values)
				}
				if o.Values["Shop.Item_Crate"] != int64(0) || len(o.Values["Shop.Item_Crates"].([]int64)) != 0 {
					t.Errorf("%s: new associations not empty: %v", name, o.Values)
				}
			}
			if g := mustGet(t, s2, "Shop.Gadget", ids["gadget"]); g.Values["Color"] != "red" {
				t.Errorf("gadget: %v", g.Values)
			}
			// The folded copy of a new String is filled too: comparisons use it.
			var n int
			err = s2.Read(ctx, func(tx *Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM "Shop$Item" WHERE "Code$fold" = ?`, "àb").Scan(&n)
			})
			if err != nil || n != 4 {
				t.Errorf("folded default: %d rows, %v", n, err)
			}
			if !hasIndex(t, s2, "Shop$Item$Shop$Item$1") {
				t.Errorf("the new index is missing")
			}
			// The new entity and associations work.
			err = s2.Write(ctx, func(tx *Tx) error {
				c, err := s2.Insert(ctx, tx, v2.Entity("Shop.Crate"), map[string]any{"Size": int64(2)})
				if err != nil {
					return err
				}
				o, err := s2.Get(ctx, tx, v2.Entity("Shop.Item"), ids["pear"])
				if err != nil {
					return err
				}
				_, err = s2.Update(ctx, tx, o, map[string]any{"Shop.Item_Crate": c.ID, "Shop.Item_Crates": []int64{c.ID}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			// A new object gets the defaults too.
			err = s2.Write(ctx, func(tx *Tx) error {
				o, err := s2.Insert(ctx, tx, v2.Entity("Shop.Item"), map[string]any{"Name": "Plum"})
				if err == nil && (o.Values["Stock"] != int64(7) || o.Values["Code"] != "ÀB") {
					t.Errorf("new object: %v", o.Values)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			s2.Close()

			// Reopening with the same model changes nothing.
			s3, err := migOpen(t, url, v2, Options{})
			if err != nil {
				t.Fatalf("reopening unchanged: %v", err)
			}
			pear := mustGet(t, s3, "Shop.Item", ids["pear"])
			if pear.Values["Note"] != "ripe" || pear.Values["Shop.Item_Crate"] == int64(0) || len(pear.Values["Shop.Item_Crates"].([]int64)) != 1 {
				t.Errorf("pear after reopening: %v", pear.Values)
			}
			if count(t, s3, "Shop.Item") != 5 {
				t.Errorf("%d items", count(t, s3, "Shop.Item"))
			}
			s3.Close()

			// An instance with the older model refuses this store, and
			// leaves it as it was.
			if _, err := migOpen(t, url, migModel(t, migV1), Options{}); !errors.Is(err, ErrDataLoss) {
				t.Fatalf("older model: got %v, want ErrDataLoss", err)
			} else if !strings.Contains(err.Error(), "Stock") || !strings.Contains(err.Error(), "Shop.Crate") {
				t.Errorf("older model: the message does not name what is newer: %v", err)
			}
			s4, err := migOpen(t, url, v2, Options{})
			if err != nil {
				t.Fatalf("reopening after the refusal: %v", err)
			}
			if o := mustGet(t, s4, "Shop.Item", ids["apple"]); o.Values["Stock"] != int64(7) {
				t.Errorf("apple after the refusal: %v", o.Values)
			}
		})
	}
}

// TestMigrateDataLoss: each change is refused, naming what would be lost,
// and nothing changes; with AllowDataLoss it is applied and the rest of
// the data is kept.
func TestMigrateDataLoss(t *testing.T) {
	for _, c := range []struct {
		name  string
		edits []string
		// names must all occur in the refusal.
		names []string
		after func(t *testing.T, s *Store, ids map[string]int64)
	}{
		{
			name:  "remove an attribute",
			edits: []string{"      Price: {type: Decimal}\n", ""},
			names: []string{"Price", "Shop.Item"},
			after: func(t *testing.T, s *Store, ids map[string]int64) {
				o := mustGet(t, s, "Shop.Item", ids["apple"])
				if _, has := o.Values["Price"]; has || o.Values["Qty"] != int64(3) {
					t.Errorf("apple: %v", o.Values)
				}
			},
		},
		{
			name:  "remove a String attribute",
			edits: []string{"      Note: {type: String}\n", ""},
			names: []string{"Note", "Shop.Item"},
			after: func(t *testing.T, s *Store, ids map[string]int64) {
				if o := mustGet(t, s, "Shop.Item", ids["pear"]); o.Values["Name"] != "Pear" {
					t.Errorf("pear: %v", o.Values)
				}
			},
		},
		{
			name:  "retype an attribute",
			edits: []string{"      Qty: {type: Integer}\n", "      Qty: {type: String}\n"},
			names: []string{"Qty", "Shop.Item", "type"},
			after: func(t *testing.T, s *Store, ids map[string]int64) {
				o := mustGet(t, s, "Shop.Item", ids["apple"])
				if o.Values["Qty"] != nil || o.Values["Name"] != "Apple" {
					t.Errorf("apple: %v", o.Values)
				}
			},
		},
		{
			name:  "retype Decimal to Integer",
			edits: []string{"      Price: {type: Decimal}\n", "      Price: {type: Integer}\n"},
			names: []string{"Price", "Shop.Item"},
		},
		{
			name: "remove an entity",
			edits: []string{
				"  Box:\n    attributes:\n      Label: {type: String, length: 50}\n    access:\n      - roles: [Admin]\n        create: true\n        delete: true\n        defaultMemberAccess: ReadWrite\n", "",
				"associations:\n  Item_Box: {from: Item, to: Box}\n", "",
			},
			names: []string{"Shop.Box", "Item_Box"},
			after: func(t *testing.T, s *Store, ids map[string]int64) {
				if o := mustGet(t, s, "Shop.Item", ids["apple"]); o.Values["Name"] != "Apple" {
					t.Errorf("apple: %v", o.Values)
				}
			},
		},
		{
			name:  "remove an association",
			edits: []string{"associations:\n  Item_Box: {from: Item, to: Box}\n", ""},
			names: []string{"Item_Box"},
		},
		{
			name: "remove a specialization with attributes",
			edits: []string{
				"  Gadget:\n    generalization: Shop.Item\n    attributes:\n      Color: {type: String, length: 20}\n    access:\n      - roles: [Admin]\n        create: true\n        delete: true\n        defaultMemberAccess: ReadWrite\n", "",
			},
			names: []string{"Shop.Gadget"},
			after: func(t *testing.T, s *Store, ids map[string]int64) {
				if _, err := get(t, s, "Shop.Item", ids["gadget"]); !errors.Is(err, ErrNotFound) {
					t.Errorf("the gadget: %v, want it deleted with its entity", err)
				}
				if count(t, s, "Shop.Item") != 3 {
					t.Errorf("%d items left", count(t, s, "Shop.Item"))
				}
			},
		},
		{
			name: "remove a specialization without attributes",
			edits: []string{
				"  Widget:\n    generalization: Shop.Item\n    access:\n      - roles: [Admin]\n        create: true\n        delete: true\n        defaultMemberAccess: ReadWrite\n", "",
			},
			names: []string{"Shop.Widget"},
			after: func(t *testing.T, s *Store, ids map[string]int64) {
				if _, err := get(t, s, "Shop.Item", ids["widget"]); !errors.Is(err, ErrNotFound) {
					t.Errorf("the widget: %v, want it deleted with its entity", err)
				}
				if o := mustGet(t, s, "Shop.Gadget", ids["gadget"]); o.Values["Color"] != "red" {
					t.Errorf("gadget: %v", o.Values)
				}
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			for kind, url := range migURLs(t) {
				t.Run(kind, func(t *testing.T) {
					s1, err := migOpen(t, url, migModel(t, migV1), Options{})
					if err != nil {
						t.Fatal(err)
					}
					ids := populate(t, s1)
					s1.Close()
					changed := migModel(t, edit(t, migV1, c.edits...))
					_, err = migOpen(t, url, changed, Options{})
					if !errors.Is(err, ErrDataLoss) {
						t.Fatalf("got %v, want ErrDataLoss", err)
					}
					for _, n := range c.names {
						if !strings.Contains(err.Error(), n) {
							t.Errorf("the refusal does not name %s: %v", n, err)
						}
					}
					// Nothing changed: the old model still opens, with every object.
					s2, err := migOpen(t, url, migModel(t, migV1), Options{})
					if err != nil {
						t.Fatalf("reopening with the old model after the refusal: %v", err)
					}
					if o := mustGet(t, s2, "Shop.Gadget", ids["gadget"]); o.Values["Color"] != "red" {
						t.Errorf("gadget after the refusal: %v", o.Values)
					}
					if o := mustGet(t, s2, "Shop.Item", ids["apple"]); FormatDecimal(o.Values["Price"].(*big.Rat)) != "2.5" || o.Values["Qty"] != int64(3) {
						t.Errorf("apple after the refusal: %v", o.Values)
					}
					s2.Close()

					s3, err := migOpen(t, url, changed, Options{AllowDataLoss: true})
					if err != nil {
						t.Fatalf("with AllowDataLoss: %v", err)
					}
					if c.after != nil {
						c.after(t, s3, ids)
					}
					// Every object left can be read.
					err = s3.Read(context.Background(), func(tx *Tx) error {
						for _, tb := range s3.Map.Tables {
							if _, err := s3.Select(context.Background(), tx, tb, "t0", Where{}, "", 0, 0); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						t.Errorf("reading after the change: %v", err)
					}
					s3.Close()
					// And the changed model now opens without the option.
					if _, err := migOpen(t, url, changed, Options{}); err != nil {
						t.Errorf("reopening with the changed model: %v", err)
					}
				})
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.2.0", "1.2.0", 0},
		{"1.2.0", "1.10.0", -1},
		{"2", "1.99", 1},
		{"1.2", "1.2.1", -1},
		{"1.2.0-rc1", "1.2.0-rc2", -1},
		{"1.2.0", "1.2.0-rc1", -1}, // a longer version is newer
		{"v1", "v2", -1},
	} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

// TestMigrateOlderVersion: once an app of some version has opened the
// store, an app of a lower version is refused before anything changes,
// even when its layout would lose nothing (here it lacks only an index).
func TestMigrateOlderVersion(t *testing.T) {
	versioned := func(version, module string) *model.App {
		t.Helper()
		app := strings.Replace(migApp, "name: Mig\n", "name: Mig\nversion: "+version+"\n", 1)
		if version == "" {
			app = migApp
		}
		fsys := fstest.MapFS{"app.yaml": {Data: []byte(app)}, "modules/Shop.yaml": {Data: []byte(module)}}
		a, diags, err := model.LoadFS(fsys, model.Options{})
		if err != nil || diags.HasErrors() {
			t.Fatalf("model: %v %v", err, diags)
		}
		return a
	}
	withIndex := edit(t, migV1, "      Note: {type: String}\n", "      Note: {type: String}\n    indexes:\n      - [Qty]\n")
	for kind, url := range migURLs(t) {
		t.Run(kind, func(t *testing.T) {
			open := func(app *model.App) error {
				s, err := migOpen(t, url, app, Options{AllowDataLoss: true})
				if err == nil {
					s.Close()
				}
				return err
			}
			if err := open(versioned("1.1.0", migV1)); err != nil {
				t.Fatal(err)
			}
			if err := open(versioned("1.2.0", withIndex)); err != nil {
				t.Fatal(err)
			}
			// Older: refused, whatever the option, naming both versions.
			err := open(versioned("1.1.0", migV1))
			if !errors.Is(err, ErrOlderModel) || !strings.Contains(err.Error(), "1.1.0") || !strings.Contains(err.Error(), "1.2.0") {
				t.Fatalf("older model: %v, want ErrOlderModel naming 1.1.0 and 1.2.0", err)
			}
			// The refused instance changed nothing: the index is still there.
			s, err := migOpen(t, url, versioned("1.2.0", withIndex), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql LIKE '%"Qty"%'`
			if s.Dialect == schema.Postgres {
				q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '%"Qty"%'`
			}
			if err := s.DB.QueryRow(q).Scan(&n); err != nil || n != 1 {
				t.Errorf("indexes on Qty after the refusal: %d, %v", n, err)
			}
			s.Close()
			// A model without a version is not compared; a newer one opens.
			if err := open(versioned("", withIndex)); err != nil {
				t.Errorf("unversioned model: %v", err)
			}
			if err := open(versioned("1.10.0", withIndex)); err != nil {
				t.Errorf("version 1.10.0 after 1.2.0: %v", err)
			}
			if err := open(versioned("1.2.0", withIndex)); !errors.Is(err, ErrOlderModel) {
				t.Errorf("1.2.0 after 1.10.0: %v, want ErrOlderModel", err)
			}
		})
	}
}
