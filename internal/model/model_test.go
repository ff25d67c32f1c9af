package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var membersApp = map[string]string{
	"app.yaml": `name: T
security:
  userRoles:
    Administrator: {moduleRoles: [System.Administrator, A.Admin, B.Admin]}
    Reader: {moduleRoles: [System.User, A.Reader]}
    Nobody: {}
`,
	"modules/A.yaml": `module: A
roles: {Admin: all, Reader: some}
entities:
  Party:
    system: [owner, createdDate]
    attributes:
      Name: {type: String}
      Code: {type: AutoNumber}
    access:
      - roles: [Admin]
        create: true
        defaultMemberAccess: ReadWrite
      - roles: [Reader]
        members: {Name: ReadOnly, Party_Country: ReadOnly}
      - roles: [Reader]
        create: true
      - roles: [A.Reader]
        delete: true
        members: {Name: None}
  Person:
    generalization: Party
    system: [changedDate, createdDate]
    attributes:
      Age: {type: Integer}
    access:
      - roles: [Admin]
        defaultMemberAccess: ReadWrite
        members: {Name: None, B.Party_Note: ReadOnly}
  Country:
    attributes:
      Name: {type: String}
    access:
      - roles: [Admin, Reader]
        members: {Name: ReadOnly}
  Account:
    generalization: System.User
    attributes:
      Full: {type: String}
    access:
      - roles: [Admin]
        members: {Full: ReadWrite}
associations:
  Party_Country: {from: Party, to: Country}
  Person_Friends: {from: Person, to: Person, type: ReferenceSet}
pages:
  People:
    title: People
    allowedRoles: [Reader]
`,
	"modules/B.yaml": `module: B
roles: {Admin: all}
entities:
  Note:
    attributes: {Text: {type: String}}
associations:
  Note_Party: {from: Note, to: A.Party}
  Party_Note: {from: A.Party, to: Note}
`,
}

func loadMembersApp(t *testing.T) *App {
	t.Helper()
	app, diags := loadMap(t, membersApp, nil)
	if len(diags) > 0 {
		t.Fatalf("want a clean model, got %v", diags)
	}
	return app
}

func TestMembers(t *testing.T) {
	app := loadMembersApp(t)
	a, b := app.Module("A"), app.Module("B")
	party, person, country := app.Entity("A.Party"), app.Entity("A.Person"), app.Entity("A.Country")
	account, user := app.Entity("A.Account"), app.Entity(SystemUser)
	if party == nil || person == nil || country == nil || account == nil || user == nil {
		t.Fatal("entities missing")
	}

	for _, tc := range []struct {
		e         *Entity
		name      string
		from      *Module
		want      string // Member.Name, "" for none
		inherited bool
		system    bool
	}{
		{person, "Name", a, "Name", true, false},
		{person, "Name", nil, "Name", true, false},
		{person, "name", a, "", false, false}, // exact case
		{person, "Age", nil, "Age", false, false},
		// Associations: qualified anywhere, local only in their module.
		{person, "Party_Country", a, "A.Party_Country", true, false},
		{person, "A.Party_Country", nil, "A.Party_Country", true, false},
		{person, "A.Party_Country", b, "A.Party_Country", true, false},
		{person, "Party_Country", nil, "", false, false},
		{person, "Party_Country", b, "", false, false},
		{person, "Person_Friends", a, "A.Person_Friends", false, false},
		{party, "Person_Friends", a, "", false, false}, // a member of its from entity only
		{party, "B.Party_Note", a, "B.Party_Note", false, false},
		{party, "Party_Note", a, "", false, false},
		{party, "Party_Note", b, "B.Party_Note", false, false},
		{country, "Party_Country", a, "", false, false}, // never on the to side
		// System members.
		{party, "System.owner", nil, "System.owner", false, true},
		{party, "owner", a, "", false, false},
		{party, "createdDate", nil, "createdDate", false, true},
		{party, "changedDate", nil, "", false, false},
		{party, "System.changedBy", nil, "", false, false},
		{person, "System.owner", a, "System.owner", true, true},
		{person, "createdDate", a, "createdDate", true, true}, // declared again: inherited one counts
		{person, "changedDate", a, "changedDate", false, true},
		// System.User and its specialization.
		{account, "Name", a, "Name", true, false},
		{account, "Password", a, "Password", true, false},
		{account, "System.UserRoles", a, "System.UserRoles", true, false},
		{account, "UserRoles", a, "", false, false},
		{account, "Full", a, "Full", false, false},
		{user, "System.owner", nil, "", false, false}, // no members for associations pointing at it
		{user, "Full", nil, "", false, false},
	} {
		m := tc.e.Member(tc.name, tc.from)
		from := "nil"
		if tc.from != nil {
			from = tc.from.Name
		}
		switch {
		case tc.want == "" && m != nil:
			t.Errorf("%s.Member(%q, %s) = %s, want none", tc.e.QualifiedName(), tc.name, from, m.Name)
		case tc.want == "":
		case m == nil:
			t.Errorf("%s.Member(%q, %s) = nil, want %s", tc.e.QualifiedName(), tc.name, from, tc.want)
		case m.Name != tc.want || m.Inherited != tc.inherited || m.System != tc.system:
			t.Errorf("%s.Member(%q, %s) = %s inherited %v system %v; want %s %v %v", tc.e.QualifiedName(), tc.name, from, m.Name, m.Inherited, m.System, tc.want, tc.inherited, tc.system)
		}
	}

	// Inherited members come first, then own attributes, system members and
	// associations; each member is listed once.
	var got []string
	for _, m := range person.Members() {
		got = append(got, m.Name)
	}
	want := []string{"Name", "Code", "createdDate", "System.owner", "A.Party_Country", "B.Party_Note", "Age", "changedDate", "A.Person_Friends"}
	if !slices.Equal(got, want) {
		t.Errorf("Person members %v\nwant %v", got, want)
	}
	for _, m := range user.Members() {
		if m.Association != nil && m.Association.To == user {
			t.Errorf("System.User has member %s pointing at itself", m.Name)
		}
	}

	// Writable: never AutoNumber or system members.
	for name, want := range map[string]bool{"Name": true, "Code": false, "System.owner": false, "createdDate": false, "A.Party_Country": true} {
		if got := party.Member(name, nil).Writable(); got != want {
			t.Errorf("%s writable %v, want %v", name, got, want)
		}
	}
	if m := party.Member("System.owner", nil); m.Association.To != user || !m.Association.Builtin || m.Association.Type != Reference {
		t.Errorf("System.owner is %+v", m.Association)
	}

	// Generalizations.
	if !person.IsA(party) || party.IsA(person) || !account.IsA(user) || person.Root() != party || account.Root() != user {
		t.Error("IsA/Root wrong")
	}
	if s := party.AllSpecializations(); len(s) != 1 || s[0] != person {
		t.Errorf("specializations of Party: %v", s)
	}
	if app.Security.UserEntity != account {
		t.Errorf("userEntity defaults to the one specialization of System.User, got %v", app.Security.UserEntity)
	}
}

func TestSystemModule(t *testing.T) {
	app := loadMembersApp(t)
	sys := app.Module(SystemModule)
	if sys == nil || !sys.System || app.Modules[0] != sys || sys.File != "" {
		t.Fatal("System module missing, not first, or with a file")
	}
	var roles []string
	for _, r := range sys.Roles {
		roles = append(roles, r.QualifiedName())
	}
	if !slices.Equal(roles, []string{RoleAdministrator, RoleUser}) {
		t.Errorf("System roles %v", roles)
	}
	type attr struct {
		name string
		typ  AttrType
	}
	want := map[string][]attr{
		SystemUser: {{"Name", TypeString}, {"Password", TypeHashString}, {"Active", TypeBoolean}, {"Blocked", TypeBoolean},
			{"BlockedSince", TypeDateTime}, {"FailedLogins", TypeInteger}, {"LastLogin", TypeDateTime},
			{"WebServiceUser", TypeBoolean}, {"IsAnonymous", TypeBoolean}},
		SystemUserRole: {{"Name", TypeString}, {"Description", TypeString}},
		SystemSession:  {{"CreatedDate", TypeDateTime}, {"LastActive", TypeDateTime}, {"ExpiresAt", TypeDateTime}},
		SystemFileDocument: {{"FileID", TypeAutoNumber}, {"Name", TypeString}, {"Size", TypeLong}, {"HasContents", TypeBoolean},
			{"DeleteAfterDownload", TypeBoolean}, {"Contents", TypeBinary}},
		SystemImage: {{"PublicThumbnailPath", TypeString}, {"EnableCaching", TypeBoolean}},
	}
	var entities []string
	for _, e := range sys.Entities {
		entities = append(entities, e.QualifiedName())
		var got []attr
		for _, a := range e.Attributes {
			got = append(got, attr{a.Name, a.Type})
			if a.Entity != e {
				t.Errorf("%s.%s: Entity not set", e.Name, a.Name)
			}
		}
		if !slices.Equal(got, want[e.QualifiedName()]) {
			t.Errorf("%s attributes %v, want %v", e.QualifiedName(), got, want[e.QualifiedName()])
		}
		if !e.Persistable || len(e.Access) != 0 {
			t.Errorf("%s: persistable %v, %d rules", e.Name, e.Persistable, len(e.Access))
		}
	}
	if !slices.Equal(entities, []string{SystemUser, SystemUserRole, SystemSession, SystemFileDocument, SystemImage}) {
		t.Errorf("System entities %v", entities)
	}
	name := app.Entity(SystemUser).Member("Name", nil).Attribute
	if name.Length != 100 || !name.Required || !name.Unique {
		t.Errorf("System.User.Name: %+v", name)
	}
	if a := app.Entity(SystemUser).Member("Active", nil).Attribute; a.Default == nil || a.Default.Text != "true" {
		t.Error("System.User.Active defaults to true")
	}
	if a := app.Entity(SystemFileDocument).Member("Name", nil).Attribute; a.Length != 400 {
		t.Errorf("FileDocument.Name length %d", a.Length)
	}
	img := app.Entity(SystemImage)
	if img.Generalization != app.Entity(SystemFileDocument) || img.Member("FileID", nil) == nil || !img.Member("FileID", nil).Inherited {
		t.Error("System.Image specializes System.FileDocument")
	}
	ur := app.Association(SystemUserRoles)
	if ur == nil || ur.From != app.Entity(SystemUser) || ur.To != app.Entity(SystemUserRole) || ur.Type != ReferenceSet {
		t.Errorf("System.UserRoles: %+v", ur)
	}
	su := app.Association(SystemSessionUser)
	if su == nil || su.From != app.Entity(SystemSession) || su.To != app.Entity(SystemUser) || su.Type != Reference {
		t.Errorf("System.Session_User: %+v", su)
	}
	if app.Entity(SystemSession).Member("Token", nil) != nil {
		t.Error("the session token is never a member")
	}
	// Each load builds its own System module: apps never share elements.
	other := loadMembersApp(t)
	if other.Entity(SystemUser) == app.Entity(SystemUser) {
		t.Error("System module shared between loads")
	}
}

func TestResolveColumn(t *testing.T) {
	app := loadMembersApp(t)
	a := app.Module("A")
	party, person, country, account := app.Entity("A.Party"), app.Entity("A.Person"), app.Entity("A.Country"), app.Entity("A.Account")
	for _, tc := range []struct {
		e       *Entity
		path    string
		steps   int
		end     *Entity // entity whose member is shown
		member  string
		errLike string
	}{
		{person, "Name", 0, person, "Name", ""},
		{person, "Party_Country", 0, person, "A.Party_Country", ""},
		{person, "Party_Country/Country/Name", 1, country, "Name", ""},
		{person, "A.Party_Country/A.Country/Name", 1, country, "Name", ""},
		{party, "System.owner/A.Account/Full", 1, account, "Full", ""},
		{party, "System.owner/System.User/Name", 1, app.Entity(SystemUser), "Name", ""},
		{person, "Person_Friends/Person/Name", 0, nil, "", "crosses the ReferenceSet A.Person_Friends"},
		{country, "Party_Country/Party/Name", 0, nil, "", "walks A.Party_Country backwards"},
		{person, "Party_Country/Party/Name", 0, nil, "", "after A.Party_Country comes A.Country or a specialization of it, not Party"},
		{person, "Party_Country/Country", 0, nil, "", "does not end in a member"},
		{person, "Name/Country/Name", 0, nil, "", "Name is an attribute of A.Person, not an association"},
		{person, "Party_Country/Country/Party_Country", 0, nil, "", "no member Party_Country"},
		{person, "Person_Friends", 0, person, "A.Person_Friends", ""},
		{person, "", 0, nil, "", "no member"},
	} {
		cp, err := ResolveColumn(app, tc.e, tc.path, a)
		if tc.errLike != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errLike) {
				t.Errorf("ResolveColumn(%s, %q) error %v, want %q", tc.e.Name, tc.path, err, tc.errLike)
			}
			continue
		}
		if err != nil {
			t.Errorf("ResolveColumn(%s, %q): %v", tc.e.Name, tc.path, err)
			continue
		}
		if len(cp.Steps) != tc.steps || cp.Entity(tc.e) != tc.end || cp.Member.Name != tc.member {
			t.Errorf("ResolveColumn(%s, %q) = %d steps, %s.%s", tc.e.Name, tc.path, len(cp.Steps), cp.Entity(tc.e).Name, cp.Member.Name)
		}
	}

	// An unknown member is a typed error naming the entity reached.
	_, err := ResolveColumn(app, person, "Party_Country/Country/Nmae", a)
	var unknown *UnknownMemberError
	if !errors.As(err, &unknown) || unknown.Entity != country || unknown.Name != "Nmae" {
		t.Errorf("want UnknownMemberError on A.Country, got %v", err)
	}
	// Outside module A, local association names do not resolve.
	if _, err := ResolveColumn(app, person, "Party_Country/Country/Name", app.Module("B")); !errors.As(err, &unknown) {
		t.Errorf("local name from another module: %v", err)
	}

	// A path through an association whose target is unknown (reported
	// where the association is written) is ErrUnresolved, not a new error.
	files := map[string]string{}
	for k, v := range membersApp {
		files[k] = v
	}
	files["modules/B.yaml"] += "  Lost: {from: A.Party, to: Nowhere}\n"
	broken, diags := loadMap(t, files, nil)
	if c := codes(diags); !slices.Equal(c, []string{"error RP0105"}) {
		t.Fatalf("diagnostics %v", diags)
	}
	if _, err := ResolveColumn(broken, broken.Entity("A.Party"), "B.Lost/B.Nowhere/Text", nil); !errors.Is(err, ErrUnresolved) {
		t.Errorf("want ErrUnresolved, got %v", err)
	}
}

func TestRights(t *testing.T) {
	app := loadMembersApp(t)
	party, person := app.Entity("A.Party"), app.Entity("A.Person")
	admin, reader, nobody := app.UserRole("Administrator"), app.UserRole("Reader"), app.UserRole("Nobody")
	m := func(e *Entity, name string) *Member {
		t.Helper()
		mem := e.Member(name, nil)
		if mem == nil {
			t.Fatalf("no member %s", name)
		}
		return mem
	}
	name, code, owner, created, country := m(party, "Name"), m(party, "Code"), m(party, "System.owner"), m(party, "createdDate"), m(party, "A.Party_Country")
	r := party.Access
	if len(r) != 4 {
		t.Fatalf("%d rules", len(r))
	}
	for _, tc := range []struct {
		rule int
		mem  *Member
		want Access
	}{
		// defaultMemberAccess ReadWrite: ReadOnly on what can never be written.
		{0, name, ReadWrite}, {0, code, ReadOnly}, {0, owner, ReadOnly}, {0, created, ReadOnly}, {0, country, ReadWrite},
		{1, name, ReadOnly}, {1, country, ReadOnly}, {1, code, None}, {1, owner, None},
		{2, name, None},
		{3, name, None},
	} {
		if got := r[tc.rule].Right(tc.mem); got != tc.want {
			t.Errorf("rule %d: Right(%s) = %s, want %s", tc.rule+1, tc.mem.Name, got, tc.want)
		}
	}
	// An entry in members beats the default; the inherited member's own
	// entry is matched on the specialization.
	if got := person.Access[0].Right(m(person, "Name")); got != None {
		t.Errorf("Person rule: Right(Name) = %s, want None", got)
	}
	if got := person.Access[0].Right(m(person, "Age")); got != ReadWrite {
		t.Errorf("Person rule: Right(Age) = %s", got)
	}
	if got := person.Access[0].Right(m(person, "B.Party_Note")); got != ReadOnly {
		t.Errorf("Person rule: Right(B.Party_Note) = %s", got)
	}

	// shows: a member right or delete; create alone does not show.
	for i, want := range []bool{true, true, false, true} {
		if got := r[i].Shows(); got != want {
			t.Errorf("rule %d Shows() = %v, want %v", i+1, got, want)
		}
	}

	// RulesFor is rules(u,E): by module role, never inherited.
	if got := party.RulesFor(RoleSet(reader)); !slices.Equal(got, r[1:]) {
		t.Errorf("RulesFor(Reader) = %d rules", len(got))
	}
	if got := party.RulesFor(RoleSet(admin)); !slices.Equal(got, r[:1]) {
		t.Errorf("RulesFor(Administrator) = %d rules", len(got))
	}
	if got := party.RulesFor(RoleSet(nobody)); len(got) != 0 {
		t.Errorf("RulesFor(Nobody) = %d rules", len(got))
	}
	if got := person.RulesFor(RoleSet(reader)); len(got) != 0 {
		t.Error("rules of a generalization apply to its specializations")
	}
	if got := party.RulesFor(RoleSet(admin, reader)); len(got) != 4 {
		t.Errorf("RulesFor(both) = %d rules", len(got))
	}

	// MaxRight: the best over the rules, ignoring xpath.
	readerRules := party.RulesFor(RoleSet(reader))
	for _, tc := range []struct {
		rules []*AccessRule
		mem   *Member
		want  Access
	}{
		{readerRules, name, ReadOnly},
		{readerRules, code, None},
		{party.Access, name, ReadWrite},
		{party.Access, code, ReadOnly},
		{nil, name, None},
	} {
		if got := MaxRight(tc.rules, tc.mem); got != tc.want {
			t.Errorf("MaxRight(%s) = %s, want %s", tc.mem.Name, got, tc.want)
		}
	}

	// Pages and user management.
	people := app.Page("A.People")
	if !people.CanOpen(RoleSet(reader)) || people.CanOpen(RoleSet(admin)) || people.CanOpen(RoleSet(nobody)) {
		t.Error("CanOpen wrong")
	}
	if admin.Manages() || reader.Manages() {
		t.Error("no role here manages users")
	}
	if got := RoleSet(admin, reader); len(got) != 5 {
		t.Errorf("RoleSet has %d roles", len(got))
	}
	if None.String() != "None" || ReadOnly.String() != "ReadOnly" || ReadWrite.String() != "ReadWrite" {
		t.Error("Access.String")
	}
}
