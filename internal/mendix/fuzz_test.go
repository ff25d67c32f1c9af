package mendix

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/model"
)

var fuzzBase struct {
	sync.Once
	p   *Project
	err error
}

// baseProject is the tiny project, opened once.
func baseProject(t testing.TB) *Project {
	fuzzBase.Do(func() {
		dir, err := os.MkdirTemp("", "rampart-mendix-fuzz-")
		if err != nil {
			fuzzBase.err = err
			return
		}
		defer os.RemoveAll(dir)
		fuzzBase.p, fuzzBase.err = Open(tinyProject().WriteV2(t, filepath.Join(dir, "p")))
	})
	if fuzzBase.err != nil {
		t.Fatal(fuzzBase.err)
	}
	return fuzzBase.p
}

// withUnit is p with the contents of one unit replaced.
func withUnit(p *Project, i int, doc *Doc) *Project {
	q := &Project{Path: p.Path, Format: p.Format, ProductVersion: p.ProductVersion, byID: map[string]*Unit{}}
	for j, u := range p.Units {
		c := *u
		if j == i {
			c.Doc, c.Type = doc, doc.Type()
		}
		q.Units = append(q.Units, &c)
		q.byID[c.ID] = &c
	}
	return q
}

// FuzzUnit feeds corrupted, truncated and strange .mxunit contents to the
// decoder, and what decodes to the converter in place of one unit of the
// tiny project: an error or a result, never a panic, and the result loads.
func FuzzUnit(f *testing.F) {
	for _, u := range tinyProject().Units {
		b := encodeDoc(u.Doc)
		f.Add(b, uint8(0))
		f.Add(b[:len(b)/2], uint8(1))
	}
	f.Add([]byte{5, 0, 0, 0, 0}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		doc, err := Decode(data)
		if err != nil {
			if doc != nil {
				t.Fatal("a document and an error")
			}
			return
		}
		// Every field of a document Decode accepts can be read.
		touch(doc, 0)
		doc.Walk(func(typ, name []byte) {})
		p := baseProject(t)
		res, err := Convert(withUnit(p, int(which)%len(p.Units), doc), Options{})
		if err != nil {
			return
		}
		if _, _, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv}); err != nil {
			t.Fatalf("the imported app does not load: %v", err)
		}
	})
}

// touch reads every field of d, at every depth.
func touch(d *Doc, depth int) {
	if depth > maxDepth+1 {
		panic("deeper than Decode allows")
	}
	for _, f := range d.Fields() {
		switch f.Value.Kind {
		case KindDoc:
			touch(f.Value.Doc, depth+1)
		case KindArray:
			for _, v := range f.Value.Array() {
				if v.Kind == KindDoc {
					touch(v.Doc, depth+2)
				}
			}
			touch(f.Value.Doc, depth+1)
		}
	}
}

// FuzzMPR feeds damaged project files to Open: an error or a project,
// never a panic.
func FuzzMPR(f *testing.F) {
	dir := f.TempDir()
	data, err := os.ReadFile(tinyProject().WriteV1(f, filepath.Join(dir, "seed")))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(data[:100])
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "App.mpr")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if res, err := Import(path, Options{}); err == nil && res == nil {
			t.Fatal("no result and no error")
		}
	})
}

// TestConvertStrangeUnits: units of the right type with fields of the
// wrong kinds, missing fields or empty documents convert without panic.
func TestConvertStrangeUnits(t *testing.T) {
	p := baseProject(t)
	strange := []D{
		{},
		{{"$Type", "DomainModels$DomainModel"}},
		{{"$Type", "DomainModels$DomainModel"}, {"Entities", A{D{}, D{{"Name", 5}}, "text"}}, {"Associations", "nope"}},
		{{"$Type", "DomainModels$DomainModel"}, {"Entities", A{D{{"$Type", "DomainModels$EntityImpl"}, {"Name", "E"},
			{"MaybeGeneralization", D{{"$Type", "DomainModels$Generalization"}, {"Generalization", 3}}},
			{"Attributes", A{D{{"Name", "a"}, {"NewType", "x"}}, D{}}},
			{"AccessRules", A{D{{"AllowedModuleRoles", 7}, {"MemberAccesses", A{D{}, D{{"Attribute", "."}}, D{{"Attribute", "noDot"}}, D{{"Association", "X"}}}}}}},
			{"ValidationRules", A{D{}, D{{"Attribute", "a.b.c"}}}}, {"Indexes", A{D{{"Attributes", A{D{}}}}}},
		}}}},
		{{"$Type", "Security$ProjectSecurity"}, {"UserRoles", A{D{}, D{{"Name", ""}}}}, {"DemoUsers", A{D{{"UserRoles", A{"Nobody"}}}}}, {"PasswordPolicySettings", "x"}},
		{{"$Type", "Security$ModuleSecurity"}, {"ModuleRoles", A{D{}, D{{"Name", "R"}}, D{{"Name", "R"}}}}},
		{{"$Type", "Forms$Page"}, {"Title", 1}, {"AllowedModuleRoles", A{"Shop.Customer", 3}}},
		{{"$Type", "Microflows$Microflow"}, {"ObjectCollection", D{{"Objects", A{D{{"$Type", "Microflows$MicroflowParameter"}}}}}}},
		{{"$Type", "Navigation$NavigationDocument"}, {"Profiles", A{D{{"Menu", D{{"Items", A{D{{"Items", A{D{}}}}}}}}}}}},
		{{"$Type", "Settings$ProjectSettings"}, {"Settings", A{D{{"$Type", "Settings$ModelSettings"}, {"BcryptCost", 99}, {"HashAlgorithm", "PBKDF2"}, {"DefaultTimeZoneCode", "Mars/Base"}}}}},
		{{"$Type", "Enumerations$Enumeration"}, {"Values", A{}}},
		{{"$Type", "Projects$ModuleImpl"}, {"Name", "System"}},
	}
	for i := range p.Units {
		for _, d := range strange {
			doc, err := Decode(encodeDoc(d))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(withUnit(p, i, doc), Options{})
			if err != nil {
				continue
			}
			if _, _, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv}); err != nil {
				t.Fatalf("unit %d replaced by %v: the result does not load: %v", i, d, err)
			}
		}
	}
}
