// Package modeltest generates models for tests and benchmarks of several
// packages.
package modeltest

import (
	"fmt"
	"strings"
	"testing/fstest"
)

// Large generates an app of nMods modules with perMod entities each.
// Every entity has six attributes, two system members, two associations of
// its own, four access rules (with members and xpaths), a list page with a
// path column and a url, and a form page; every list is in the menu, so
// check security visits every page for both user roles.
func Large(nMods, perMod int) fstest.MapFS {
	fsys := fstest.MapFS{}
	var app strings.Builder
	app.WriteString("name: Large\nsecurity:\n  userRoles:\n    Administrator:\n      moduleRoles: [System.Administrator")
	for m := range nMods {
		fmt.Fprintf(&app, ", M%d.Admin", m)
	}
	app.WriteString("]\n      manageableRoles: all\n    Member:\n      moduleRoles: [System.User")
	for m := range nMods {
		fmt.Fprintf(&app, ", M%d.User", m)
	}
	app.WriteString("]\nnavigation:\n  home: M0.E0_List\n  menu:\n")
	for m := range nMods {
		fmt.Fprintf(&app, "    - caption: Module %d\n      items:\n", m)
		for e := range perMod {
			fmt.Fprintf(&app, "        - {caption: E%d, page: M%d.E%d_List}\n", e, m, e)
		}
	}
	fsys["app.yaml"] = &fstest.MapFile{Data: []byte(app.String())}

	for m := range nMods {
		var b strings.Builder
		mod := fmt.Sprintf("M%d", m)
		fmt.Fprintf(&b, "module: %s\nroles:\n  Admin: Everything\n  User: Own objects\nenumerations:\n  Status: [Open, Closed]\nentities:\n", mod)
		for e := range perMod {
			next := (e + 1) % perMod
			fmt.Fprintf(&b, `  E%[1]d:
    system: [owner, createdDate]
    attributes:
      Seq: {type: AutoNumber}
      Name: {type: String, length: 100, required: true}
      Amount: {type: Decimal, default: "0"}
      Count: {type: Integer}
      Status: {type: Enumeration, enum: Status, default: Open}
      Flag: {type: Boolean, default: false}
    indexes:
      - [Status, Name]
    access:
      - roles: [Admin]
        create: true
        delete: true
        defaultMemberAccess: ReadWrite
      - roles: [User]
        caption: Own
        create: true
        xpath: "[System.owner = '[%%CurrentUser%%]']"
        defaultMemberAccess: ReadOnly
      - roles: [User]
        caption: Own open
        delete: true
        xpath: "[System.owner = '[%%CurrentUser%%]'][Status = 'Open']"
        members: {Name: ReadWrite, Amount: ReadWrite, E%[1]d_Next: ReadWrite, %[3]s.E%[1]d_Tags: ReadWrite}
      - roles: [User]
        caption: Linked
        xpath: "[%[3]s.E%[1]d_Next/%[3]s.E%[2]d/Name != empty]"
        members: {Name: ReadOnly, %[3]s.E%[1]d_Next: ReadOnly}
`, e, next, mod)
		}
		b.WriteString("associations:\n")
		for e := range perMod {
			fmt.Fprintf(&b, "  E%d_Next: {from: E%d, to: E%d}\n", e, e, (e+1)%perMod)
			fmt.Fprintf(&b, "  E%d_Tags: {from: E%d, to: E%d, type: ReferenceSet}\n", e, e, (e+2)%perMod)
		}
		fmt.Fprintf(&b, "  Link: {from: E0, to: M%d.E0, onDelete: prevent}\n", (m+1)%nMods)
		b.WriteString("pages:\n")
		for e := range perMod {
			fmt.Fprintf(&b, `  E%[1]d_List:
    title: E%[1]d
    allowedRoles: [Admin, User]
    url: /%[3]s/e%[1]d
    list:
      entity: E%[1]d
      sort: [-Name, Seq]
      columns: [Seq, Name, Amount, Status, %[3]s.E%[1]d_Next/%[3]s.E%[2]d/Name]
      search: [Name]
      open: E%[1]d_Edit
      new: E%[1]d_Edit
  E%[1]d_Edit:
    title: E%[1]d
    allowedRoles: [Admin, User]
    form:
      entity: E%[1]d
      fields: [Name, Amount, Status, E%[1]d_Next, E%[1]d_Tags]
      actions: [save, cancel, delete]
`, e, (e+1)%perMod, mod)
		}
		fsys["modules/"+mod+".yaml"] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}
