package analysis

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/xpath"
)

// Severity of a finding.
type Severity int

const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string { return severityNames[s] }

// ParseSeverity reads low, medium, high or critical.
func ParseSeverity(s string) (Severity, bool) {
	for k, v := range severityNames {
		if v == s {
			return k, true
		}
	}
	return 0, false
}

// Finding is one security finding.
type Finding struct {
	Rule     *LintRule
	Severity Severity
	Pos      diag.Pos
	Message  string // the risk, in one sentence
	Remedy   string // the fix, in one sentence
}

// LintRule is a rule of `rampart lint`. IDs are stable.
type LintRule struct {
	ID      string
	Name    string
	Summary string
	Help    string
	// Max is the highest severity the rule reports (findings may be
	// lower): what code-scanning tools rank the rule by.
	Max Severity
}

// Rules lists every lint rule, in id order.
var Rules = []*LintRule{
	{"RPL001", "security-level", "Security level below production", "At level off nothing is checked; at prototype entity access rules are skipped, so the access rules written in the modules exist but are not enforced. Only level production enforces the model's access rules.", Critical},
	{"RPL002", "check-security-off", "Check security is off for the app", "Check security verifies that every page shows only what its roles may read; without it, pages can fail or leak at run time.", Medium},
	{"RPL003", "role-check-security-off", "Check security is off for a user role", "Pages this role reaches are not verified against its rights.", Low},
	{"RPL004", "strict-mode-off", "Strict mode is off", "Without strict mode any signed-in user can list, create, change and delete through the generic object API whatever entity access allows, not only what pages offer.", Low},
	{"RPL005", "demo-users", "Demo users are enabled", "Demo users sign in without a password in development mode; a development instance reachable by others gives their roles away.", Medium},
	{"RPL006", "guessable-admin-name", "The administrator has a guessable name", "Attackers try MxAdmin, admin, administrator and root first; a known name halves the work of guessing.", Medium},
	{"RPL007", "admin-password-literal", "The admin password is written in the model", "A password in a model file ends up in version control, backups and screenshots.", Critical},
	{"RPL008", "short-passwords", "Passwords may be shorter than 15 characters", "NIST SP 800-63B rev. 4 asks for at least 15 characters when a password is the only factor.", High},
	{"RPL009", "composition-rules", "The password policy imposes composition rules", "Rules such as 'a digit and a symbol' add little strength and push users to predictable patterns (NIST SP 800-63B rev. 4).", Low},
	{"RPL010", "common-passwords-allowed", "Common passwords are not blocked", "The most common passwords are the first an attacker tries.", Medium},
	{"RPL011", "weak-password-hash", "Passwords are hashed with a weak algorithm", "Fast hashes (MD5, SHA-256, salted SHA-256) and low bcrypt costs let a stolen database be cracked quickly.", Critical},
	{"RPL012", "lockout-disabled", "Accounts are never locked out", "Without lockout, passwords can be guessed online without limit.", Medium},
	{"RPL013", "sign-in-rate-limit-disabled", "Sign-in attempts are not rate-limited", "Without a rate limit one client can try passwords as fast as the server answers.", Medium},
	{"RPL014", "long-sessions", "Sessions live long", "Long idle or absolute timeouts keep abandoned sessions usable.", Low},
	{"RPL015", "samesite-none", "The session cookie is sent cross-site", "SameSite None sends the session cookie with requests from other sites.", Medium},
	{"RPL016", "password-may-contain-name", "Passwords may contain the user name", "A password that contains the user name is among the first guesses.", Low},
	{"RPL017", "anonymous-enabled", "Anonymous users are enabled", "Everyone who opens the app gets the anonymous user role without signing in; business apps should require sign-in (mxlint 001_0001, mxcli SEC004).", Medium},
	{"RPL018", "privileged-demo-user", "A demo user has a privileged role", "Demo users sign in without a password; one whose user role manages users, or is the administrator's role, hands user management to anyone who reaches a development instance.", High},
	{"RPL020", "default-readwrite", "An access rule gives ReadWrite by default", "defaultMemberAccess ReadWrite also opens every member added later to writing.", High},
	{"RPL021", "unconstrained-full-access", "An access rule grants everything on all objects", "A rule without a constraint that grants ReadWrite on every member (and delete) gives its roles the whole table.", High},
	{"RPL022", "default-read-large-entity", "A large entity is readable by default", "A rule that gives ReadOnly by default on an entity with many members exposes all of them, and every member added later, instead of the few a role needs (mxcli SEC009).", Low},
	{"RPL023", "constraint-always-true", "An access rule's constraint always holds", "A constraint such as [true()] or [id != empty] looks like a limit but selects every object (Supabase rls_policy_always_true).", High},
	{"RPL024", "user-independent-disjunct", "A constraint has an 'or' branch that does not depend on the user", "In [owner = current user or X], every user reaches the objects X selects; with X = 'owner is empty', objects whose owner was removed are shared with everyone (Supabase rls_policy_null_auth_disjunct).", High},
	{"RPL030", "anonymous-read", "Anonymous users read data of all objects", "Anyone who opens the app can read these members of every object, without signing in.", Critical},
	{"RPL031", "anonymous-write", "Anonymous users write data not their own", "Anyone can change these members on objects that are not limited to their own.", High},
	{"RPL032", "anonymous-delete", "Anonymous users delete objects", "Anyone can delete these objects without signing in.", High},
	{"RPL033", "anonymous-create", "Anonymous users create objects", "Anyone can create these objects; without limits that invites spam and storage abuse.", Medium},
	{"RPL034", "unconstrained-access", "A user role reaches objects regardless of who it is", "The role reads or writes every object (or objects selected by a constraint that does not depend on the user), which is often more than intended.", Low},
	{"RPL035", "pii-readable", "Personal or secret data is readable by a broad role", "Members that look personal or secret (email, phone, IBAN, salary, tokens …) are readable beyond their owner by a role many users have.", High},
	{"RPL036", "rule-uses-user-editable-data", "An access rule decides on data its users may change", "When a role may write a member that another rule's constraint reads, its users can move objects into that rule's scope and gain its rights (Supabase rls_references_user_metadata).", High},
	{"RPL040", "anonymous-shares-module-roles", "The anonymous role reuses module roles of named user roles", "Guests get every right meant for signed-in users of those module roles.", High},
	{"RPL041", "anonymous-creates-users", "An access rule lets anonymous users create users", "A create right on a System.User specialization for guests is self-registration without checks; Rampart refuses it at run time, Mendix does not.", High},
	{"RPL042", "writable-security-members", "Security-relevant user members are writable", "Members of a user entity that look security-relevant (role, admin, permission, verified …) are writable, so users may raise their own rights.", High},
	{"RPL043", "anonymous-manages-users", "Anonymous users may manage users", "When the anonymous user role has manageable roles, every guest may list, change, block and delete those users and set their passwords.", Critical},
	{"RPL044", "manages-more-powerful-role", "A user role may grant a role that manages more than it does", "A manager may give a new user a role that manages users it cannot manage itself, and so reach them through that user.", High},
	{"RPL050", "anonymous-microflow", "A microflow is callable by anonymous users", "Anyone can call this microflow without signing in.", High},
	{"RPL051", "microflow-without-entity-access", "A microflow without entity access is callable by a broad role", "The microflow ignores entity access, so it reads and writes whatever its logic touches on behalf of many users.", Medium},
	{"RPL060", "page-without-roles", "A page is open to no role", "No role may open this page; it is dead or misconfigured.", Low},
	{"RPL061", "entity-without-rules", "A persistable entity has no access rules", "No role can reach its objects through the API; data is only reachable by logic that ignores entity access.", Low},
	{"RPL062", "rule-for-unused-role", "An access rule is for module roles no user role has", "The rule grants nothing to anyone; it may hide a role mapping mistake.", Low},
	{"RPL063", "pii-without-rules", "Personal data in an entity without access rules", "An entity with members that look personal or secret and no access rules is protected only by the logic that uses it (mxcli SEC006).", Medium},
	{"RPL064", "redundant-rule", "An access rule is covered by another", "A rule whose roles, constraint and rights are all covered by another rule of the entity grants nothing more; it adds a branch to every query and hides what was meant (Supabase multiple_permissive_policies).", Low},
	{"RPL065", "system-storage-association", "An association points at a System storage entity", "System.FileDocument, System.Image and System.Session have no access rules of their own; associate with a specialization instead (mxlint 002_0005).", Low},
	{"RPL070", "unindexed-constraint", "A constraint filters on an attribute without an index", "Every list of the entity evaluates the rule's constraint; without an index on the attribute the database scans the whole table (Supabase's RLS performance advice: index the columns policies filter on).", Low},
}

func ruleByID(id string) *LintRule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	panic("unknown lint rule " + id)
}

var (
	guessableAdmins = []string{"mxadmin", "admin", "administrator", "root", "superuser", "sysadmin", "system", "sa", "demo_administrator", "test"}
	piiPattern      = regexp.MustCompile(`(?i)e-?mail|phone|mobile|iban|bic|account.?number|salary|wage|password|passwd|secret|token|api.?key|ssn|social.?security|birth|address|passport|tax|credit.?card|card.?number`)
	securityMember  = regexp.MustCompile(`(?i)role|admin|permission|privilege|verified|approved|superuser|level|group|rights|is.?staff`)
)

// largeEntity is the number of members from which RPL022 calls an entity
// large (mxcli SEC009 uses the same idea).
const largeEntity = 10

// linter collects findings.
type linter struct {
	app      *model.App
	eng      *security.Engine
	findings []Finding
	broad    map[*model.ModuleRole]bool
	anon     *model.UserRole
	bound    map[*model.AccessRule]*xpath.Bound
}

func (l *linter) add(id string, sev Severity, pos diag.Pos, msg, remedy string) {
	l.findings = append(l.findings, Finding{Rule: ruleByID(id), Severity: sev, Pos: pos, Message: msg, Remedy: remedy})
}

// key is the position of an app.yaml key, falling back to its parents and
// to the file's start when the key was not written (a default).
func (l *linter) key(path string) diag.Pos {
	for p := path; p != ""; {
		if pos, ok := l.app.Keys[p]; ok {
			return pos
		}
		i := strings.LastIndex(p, ".")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return diag.Pos{File: l.appFile(), Line: 1, Col: 1}
}

func (l *linter) appFile() string {
	for _, pos := range l.app.Keys {
		if strings.HasSuffix(pos.File, "app.yaml") {
			return pos.File
		}
	}
	return "app.yaml"
}

// boundOf is the bound constraint of a rule, nil when it has none or it
// does not bind (a model error, reported by rampart check).
func (l *linter) boundOf(r *model.AccessRule) *xpath.Bound {
	if r == nil || r.XPath == nil || !r.Entity.Persistable {
		return nil
	}
	if b, ok := l.bound[r]; ok {
		return b
	}
	b, err := xpath.ParseAndBind(l.app, r.Entity, r.XPath.Text)
	if err != nil {
		b = nil
	}
	l.bound[r] = b
	return b
}

// Lint runs every rule and returns the findings, most severe first.
func Lint(app *model.App, eng *security.Engine) []Finding {
	l := &linter{app: app, eng: eng, broad: map[*model.ModuleRole]bool{}, bound: map[*model.AccessRule]*xpath.Bound{}}
	if an := app.Security.Anonymous; an.Enabled && an.Role != nil {
		l.anon = an.Role
	}
	// A module role is broad when guests have it or several user roles do.
	count := map[*model.ModuleRole]int{}
	for _, ur := range app.Security.UserRoles {
		for _, r := range ur.ModuleRoles {
			count[r]++
			if ur == l.anon {
				l.broad[r] = true
			}
		}
	}
	for r, n := range count {
		if n > 1 {
			l.broad[r] = true
		}
	}
	l.settings()
	l.rules()
	l.constraints()
	l.reachability()
	l.editableData()
	l.management()
	l.microflows()
	l.structure()
	slices.SortStableFunc(l.findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Rule.ID, b.Rule.ID), cmp.Compare(a.Message, b.Message))
	})
	return l.findings
}

func (l *linter) settings() {
	s := l.app.Security
	switch s.Level {
	case model.LevelOff:
		l.add("RPL001", Critical, l.key("security.level"), "Security level off checks nothing: every visitor may read and change all data.", "Set security.level to production.")
	case model.LevelPrototype:
		l.add("RPL001", High, l.key("security.level"), "Security level prototype skips every entity access rule: signed-in users read and write all module data.", "Set security.level to production.")
	}
	if !s.CheckSecurity {
		l.add("RPL002", Medium, l.key("security.checkSecurity"), "Check security is off, so pages are not verified against the rights of the roles that open them.", "Set security.checkSecurity to true and fix what rampart check reports.")
	} else {
		for _, ur := range s.UserRoles {
			if !ur.CheckSecurity {
				l.add("RPL003", Low, ur.Pos, fmt.Sprintf("Check security is off for user role %s, so its pages are not verified.", ur.Name), "Remove checkSecurity: false from the user role.")
			}
		}
	}
	if !s.StrictMode && s.Level == model.LevelProduction {
		l.add("RPL004", Low, l.key("security.strictMode"), "Strict mode is off: clients may use the generic object API for anything entity access allows, not only what pages offer.", "Set security.strictMode to true if clients only need the app's pages.")
	}
	if s.DemoUsers.Enabled {
		l.add("RPL005", Medium, l.key("security.demoUsers.enabled"), "Demo users are enabled: in development mode anyone who reaches the app can sign in as them without a password.", "Set demoUsers.enabled to false outside local development.")
		for _, u := range s.DemoUsers.Users {
			for _, r := range u.Roles {
				if why := l.privileged(r); why != "" {
					sev := Medium
					if r == s.AdminUser.Role || r.ManageAll {
						sev = High
					}
					l.add("RPL018", sev, u.Pos, fmt.Sprintf("Demo user %s has user role %s, which %s; anyone who reaches a development instance may sign in as %s without a password.", u.Name, r.Name, why, u.Name), "Give demo users only ordinary roles, and create users who manage others with rampart users add.")
					break
				}
			}
		}
	}
	if an := s.Anonymous; an.Enabled && an.Role != nil {
		l.add("RPL017", Medium, l.key("security.anonymous.enabled"), fmt.Sprintf("Anonymous users are enabled: everyone who opens the app gets user role %s without signing in.", an.Role.Name), "Set anonymous.enabled to false unless the app must serve guests, and keep the anonymous role to what guests need.")
	}
	name := s.AdminUser.Name
	if slices.Contains(guessableAdmins, strings.ToLower(name)) {
		l.add("RPL006", Medium, l.key("security.adminUser.name"), fmt.Sprintf("The administrator is named %q, a name attackers try first.", name), "Give adminUser.name a name that is not easy to guess.")
	}
	if pw := s.AdminUser.Password; pw.Written && !pw.EnvOnly && (pw.Given || pw.Value != "") {
		l.add("RPL007", Critical, l.key("security.adminUser.password"), "The admin password is written in the model, so everyone with the files knows it.", "Write adminUser.password as exactly ${VAR} and set VAR in the environment.")
	}
	pp := s.PasswordPolicy
	switch {
	case pp.MinLength < 8:
		l.add("RPL008", High, l.key("security.passwordPolicy.minLength"), fmt.Sprintf("Passwords may be as short as %d characters, which can be guessed quickly.", pp.MinLength), "Set passwordPolicy.minLength to 15 or more (NIST SP 800-63B rev. 4).")
	case pp.MinLength < 15:
		l.add("RPL008", Medium, l.key("security.passwordPolicy.minLength"), fmt.Sprintf("Passwords may be %d characters long, below the 15 NIST SP 800-63B rev. 4 asks for a single factor.", pp.MinLength), "Set passwordPolicy.minLength to 15 or more.")
	}
	for _, k := range []struct {
		on  bool
		key string
	}{{pp.RequireDigit, "requireDigit"}, {pp.RequireMixedCase, "requireMixedCase"}, {pp.RequireSymbol, "requireSymbol"}} {
		if k.on {
			l.add("RPL009", Low, l.key("security.passwordPolicy."+k.key), fmt.Sprintf("passwordPolicy.%s imposes a composition rule, which adds little strength and leads to predictable passwords.", k.key), "Drop composition rules and rely on length and blockCommon instead.")
		}
	}
	if !pp.BlockCommon {
		l.add("RPL010", Medium, l.key("security.passwordPolicy.blockCommon"), "Common passwords such as password1234 are accepted.", "Set passwordPolicy.blockCommon to true.")
	}
	if !pp.NotContainUsername {
		l.add("RPL016", Low, l.key("security.passwordPolicy.notContainUsername"), "Passwords may contain the user name, an obvious guess.", "Set passwordPolicy.notContainUsername to true.")
	}
	h := s.HashAlgorithm
	switch {
	case h.Name == "md5" || h.Name == "sha256":
		l.add("RPL011", Critical, l.key("security.hashAlgorithm"), fmt.Sprintf("Passwords are hashed with %s, which a stolen database cracks in hours.", strings.ToUpper(h.Name)), "Use bcrypt or argon2id; existing hashes are replaced at each user's next sign-in.")
	case h.Name == "ssha256":
		l.add("RPL011", High, l.key("security.hashAlgorithm"), "Passwords are hashed with salted SHA-256, a fast hash that is cracked quickly.", "Use bcrypt or argon2id.")
	case h.Name == "bcrypt" && h.Cost < 10:
		l.add("RPL011", Medium, l.key("security.hashAlgorithm"), fmt.Sprintf("bcrypt cost %d is below 10 and makes cracking cheap.", h.Cost), "Use bcrypt (cost 12) or argon2id.")
	}
	if s.Lockout.Attempts == 0 {
		l.add("RPL012", Medium, l.key("security.lockout.attempts"), "Lockout is disabled, so passwords can be guessed without limit.", "Set lockout.attempts to a small number such as 3 or 5.")
	}
	if s.SignInRate.PerMinute == 0 {
		l.add("RPL013", Medium, l.key("security.signInRateLimit.perMinute"), "Sign-in attempts are not rate-limited.", "Set signInRateLimit.perMinute to 10 or so.")
	}
	if s.Session.Timeout.Hours() > 1 {
		l.add("RPL014", Low, l.key("security.session.timeout"), fmt.Sprintf("Idle sessions stay valid for %s.", s.Session.Timeout), "Lower session.timeout to an hour or less.")
	}
	if s.Session.AbsoluteTimeout.Hours() > 7*24 {
		l.add("RPL014", Low, l.key("security.session.absoluteTimeout"), fmt.Sprintf("Sessions stay valid for %s however active they are.", s.Session.AbsoluteTimeout), "Lower session.absoluteTimeout to a day or a week.")
	}
	if s.Session.SameSite == "None" {
		l.add("RPL015", Medium, l.key("security.session.sameSite"), "The session cookie is sent with cross-site requests.", "Set session.sameSite to Strict or Lax.")
	}
}

// privileged says why a user role is privileged ("" when it is not): it is
// the administrator's role, or it manages users.
func (l *linter) privileged(r *model.UserRole) string {
	switch {
	case r == l.app.Security.AdminUser.Role:
		return "is the administrator's role"
	case r.ManageAll || len(r.ManageableRoles) > 0 || r.ManageUsersWithoutRoles:
		return "manages users"
	}
	return ""
}

func (l *linter) rules() {
	for _, e := range l.app.Entities() {
		members := 0
		for _, m := range e.Members() {
			if !m.System {
				members++
			}
		}
		for _, r := range e.Access {
			broad := slices.ContainsFunc(r.Roles, func(m *model.ModuleRole) bool { return l.broad[m] })
			unconstrained := r.XPath == nil || l.alwaysTrue(r)
			if r.DefaultMemberAccess == model.ReadWrite {
				sev := Medium
				if unconstrained && broad {
					sev = High
				}
				l.add("RPL020", sev, r.Pos, fmt.Sprintf("Access rule %d of %s gives ReadWrite on every member not listed, including members added later.", r.Index+1, e.QualifiedName()), "List the members that need ReadWrite and set defaultMemberAccess to None or ReadOnly.")
			}
			if r.DefaultMemberAccess == model.ReadOnly && members >= largeEntity {
				l.add("RPL022", Low, r.Pos, fmt.Sprintf("Access rule %d of %s gives ReadOnly by default on all %d members of the entity, including members added later.", r.Index+1, e.QualifiedName(), members), "List the members the roles need under members, and leave defaultMemberAccess at None.")
			}
			if unconstrained && l.grantsAll(r) {
				sev := Medium
				if broad {
					sev = High
				}
				l.add("RPL021", sev, r.Pos, fmt.Sprintf("Access rule %d of %s grants ReadWrite on every member of all objects to %s.", r.Index+1, e.QualifiedName(), roleList(r.Roles)), "Limit the rule with an xpath (for example to the user's own objects) or grant fewer members.")
			}
		}
	}
}

// grantsAll: ReadWrite on every writable member, and delete.
func (l *linter) grantsAll(r *model.AccessRule) bool {
	if !r.Delete {
		return false
	}
	for _, m := range r.Entity.Members() {
		if m.Writable() && r.Right(m) != model.ReadWrite {
			return false
		}
	}
	return true
}

func roleList(rs []*model.ModuleRole) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.QualifiedName())
	}
	return strings.Join(names, ", ")
}

// userToken reports a literal that differs per user: [%CurrentUser%] or a
// [%UserRole_NAME%] token.
func userToken(lit xpath.Literal) bool {
	return lit.Token != nil && (lit.Token.Token == "CurrentUser" || strings.HasPrefix(lit.Token.Token, "UserRole_"))
}

// condDependsOnUser reports a condition that names the current user or a
// user role anywhere, including inside step filters.
func condDependsOnUser(c xpath.Cond) bool {
	switch c := c.(type) {
	case *xpath.AndCond:
		return slices.ContainsFunc(c.Terms, condDependsOnUser)
	case *xpath.OrCond:
		return slices.ContainsFunc(c.Terms, condDependsOnUser)
	case *xpath.NotCond:
		return condDependsOnUser(c.X)
	case *xpath.PathCond:
		if userToken(c.Pred.Value) {
			return true
		}
		for _, st := range c.Steps {
			if st.Filter != nil && condDependsOnUser(st.Filter) {
				return true
			}
		}
	}
	return false
}

// idEmpty reports [id = empty] (op Eq) or [id != empty] (op Ne).
func idEmpty(c *xpath.PathCond, op xpath.Op) bool {
	return len(c.Steps) == 0 && c.Target.Kind == xpath.TargetObject && c.Pred.Kind == xpath.PredCompare &&
		c.Pred.Op == op && c.Pred.Value.Kind == xpath.LitEmpty && c.Pred.Value.Token == nil
}

// condAlways reports a condition that holds for every object (want true)
// or for none (want false), judged on its form alone.
func condAlways(c xpath.Cond, want bool) bool {
	switch c := c.(type) {
	case *xpath.ConstCond:
		return c.Value == want
	case *xpath.AndCond:
		if want {
			return !slices.ContainsFunc(c.Terms, func(t xpath.Cond) bool { return !condAlways(t, true) })
		}
		return slices.ContainsFunc(c.Terms, func(t xpath.Cond) bool { return condAlways(t, false) })
	case *xpath.OrCond:
		if want {
			return slices.ContainsFunc(c.Terms, func(t xpath.Cond) bool { return condAlways(t, true) })
		}
		return !slices.ContainsFunc(c.Terms, func(t xpath.Cond) bool { return !condAlways(t, false) })
	case *xpath.NotCond:
		return condAlways(c.X, !want)
	case *xpath.PathCond:
		if want {
			return idEmpty(c, xpath.Ne)
		}
		return idEmpty(c, xpath.Eq)
	}
	return false
}

// alwaysTrue reports a rule whose constraint selects every object.
func (l *linter) alwaysTrue(r *model.AccessRule) bool {
	b := l.boundOf(r)
	return b != nil && condAlways(b.Cond, true)
}

// dependsOnUser reports a grant whose constraint names the current user or
// a user role: it selects different objects for different users.
func (l *linter) dependsOnUser(g security.Grant) bool {
	if g.Builtin {
		return true
	}
	if b := l.boundOf(g.Source); b != nil {
		return condDependsOnUser(b.Cond)
	}
	return strings.Contains(g.XPath, "[%CurrentUser%]") || strings.Contains(g.XPath, "[%UserRole_")
}

// unconstrained sorts out the grants that hold regardless of the user: all
// are those that hold on every object (no constraint, or one that always
// holds), independent those whose constraint does not depend on the user.
func (l *linter) unconstrained(gs []security.Grant) (all, independent []security.Grant) {
	for _, g := range gs {
		switch {
		case g.All || !g.Builtin && l.alwaysTrue(g.Source):
			all = append(all, g)
		case !l.dependsOnUser(g):
			independent = append(independent, g)
		}
	}
	return all, independent
}

// rulePos locates the rule behind a grant (or the entity).
func rulePos(x *model.Entity, gs []security.Grant) diag.Pos {
	for _, g := range gs {
		if g.Source != nil {
			return g.Source.Pos
		}
	}
	return x.Pos
}

// constraints judges each rule's constraint on its own: always true, an
// 'or' that lets every user in, a filter without an index.
func (l *linter) constraints() {
	user := l.app.Entity(model.SystemUser)
	for _, e := range l.app.Entities() {
		if e.Module.System {
			continue
		}
		for _, r := range e.Access {
			b := l.boundOf(r)
			if b == nil {
				continue
			}
			name := ruleName(r)
			if condAlways(b.Cond, true) {
				sev := Medium
				if l.anon != nil && slices.ContainsFunc(r.Roles, func(m *model.ModuleRole) bool { return slices.Contains(l.anon.ModuleRoles, m) }) {
					sev = High
				}
				l.add("RPL023", sev, r.Pos, fmt.Sprintf("The constraint %s of %s holds for every object, so the rule limits nothing.", r.XPath.Text, name), "Write the constraint that was meant (for example [System.owner = '[%CurrentUser%]']), or remove it if the rule should hold for all objects.")
			} else {
				l.disjuncts(r, b, name, user)
			}
			l.unindexed(r, b, name)
		}
	}
}

// ruleName names a rule in messages: access rule N of Entity ("caption").
func ruleName(r *model.AccessRule) string {
	s := fmt.Sprintf("access rule %d of %s", r.Index+1, r.Entity.QualifiedName())
	if r.Caption != "" {
		s += fmt.Sprintf(" (%q)", r.Caption)
	}
	return s
}

// conjunctTerms are the top-level conjuncts of a condition.
func conjunctTerms(c xpath.Cond) []xpath.Cond {
	if a, ok := c.(*xpath.AndCond); ok {
		var out []xpath.Cond
		for _, t := range a.Terms {
			out = append(out, conjunctTerms(t)...)
		}
		return out
	}
	return []xpath.Cond{c}
}

// disjuncts reports a top-level 'or' with a branch that depends on the user
// and one that does not, when no other conjunct limits the rule to the user.
func (l *linter) disjuncts(r *model.AccessRule, b *xpath.Bound, name string, user *model.Entity) {
	terms := conjunctTerms(b.Cond)
	for i, t := range terms {
		or, ok := t.(*xpath.OrCond)
		if !ok || !condDependsOnUser(or) {
			continue
		}
		limited := false
		for j, u := range terms {
			limited = limited || j != i && condDependsOnUser(u)
		}
		if limited {
			continue
		}
		var indep []xpath.Cond
		for _, d := range or.Terms {
			if !condDependsOnUser(d) {
				indep = append(indep, d)
			}
		}
		if len(indep) == 0 {
			continue
		}
		sev, what := Medium, "every user reaches the objects its other branches select"
		if slices.ContainsFunc(indep, func(d xpath.Cond) bool { return emptyUserRef(d, user) }) {
			sev, what = High, "every user reaches the objects whose user reference is empty, such as those of a deleted (or anonymous) owner"
		}
		l.add("RPL024", sev, r.Pos, fmt.Sprintf("The constraint %s of %s has an 'or' with a branch that does not depend on the user: %s.", r.XPath.Text, name, what), "Make every branch of the 'or' depend on the user, or move the shared objects to a rule of their own with only the rights everyone needs.")
	}
}

// emptyUserRef reports [path = empty] where the path ends at a user.
func emptyUserRef(c xpath.Cond, user *model.Entity) bool {
	p, ok := c.(*xpath.PathCond)
	if !ok || len(p.Steps) == 0 || p.Target.Kind != xpath.TargetObject || p.Pred.Kind != xpath.PredCompare {
		return false
	}
	return p.Pred.Op == xpath.Eq && p.Pred.Value.Kind == xpath.LitEmpty && p.Pred.Value.Token == nil && p.Steps[len(p.Steps)-1].Entity.IsA(user)
}

// unindexed reports attributes of the rule's own entity that its
// constraint compares and that no index of the entity's table starts with.
func (l *linter) unindexed(r *model.AccessRule, b *xpath.Bound, name string) {
	e := r.Entity
	indexed := map[string]bool{}
	for _, y := range append([]*model.Entity{e.Root()}, e.Root().AllSpecializations()...) {
		for _, ix := range y.Indexes {
			if len(ix.Members) > 0 {
				indexed[ix.Members[0].Name] = true
			}
		}
	}
	seen := map[string]bool{}
	var walk func(c xpath.Cond)
	walk = func(c xpath.Cond) {
		switch c := c.(type) {
		case *xpath.AndCond:
			for _, t := range c.Terms {
				walk(t)
			}
		case *xpath.OrCond:
			for _, t := range c.Terms {
				walk(t)
			}
		case *xpath.NotCond:
			walk(c.X)
		case *xpath.PathCond:
			a := c.Target.Attr()
			if len(c.Steps) > 0 || a == nil || c.Pred.Kind != xpath.PredCompare || c.Target.Func != "" ||
				a.Type == model.TypeBoolean || a.Unique || indexed[a.Name] || seen[a.Name] {
				return
			}
			seen[a.Name] = true
			l.add("RPL070", Low, r.Pos, fmt.Sprintf("The constraint of %s compares %s, which no index of %s starts with, so every list scans the table.", name, a.Name, e.QualifiedName()), fmt.Sprintf("Add an index that starts with %s under indexes of %s.", a.Name, e.Root().QualifiedName()))
		}
	}
	walk(b.Cond)
}

func (l *linter) reachability() {
	user := l.app.Entity(model.SystemUser)
	roles := l.app.Security.UserRoles
	if l.anon != nil {
		for _, ur := range roles {
			if ur == l.anon {
				continue
			}
			var shared []string
			for _, m := range l.anon.ModuleRoles {
				if slices.Contains(ur.ModuleRoles, m) && !m.Module.System {
					shared = append(shared, m.QualifiedName())
				}
			}
			if len(shared) > 0 {
				l.add("RPL040", High, l.anon.Pos, fmt.Sprintf("The anonymous user role %s shares module roles %s with user role %s, so guests get their rights.", l.anon.Name, strings.Join(shared, ", "), ur.Name), "Give guests module roles of their own with only what guests need.")
			}
		}
		// Guests creating users: Rampart refuses it through the object
		// API, but the rule still says so (and Mendix would allow it).
		for _, x := range l.app.Entities() {
			if x.Module.System || !x.IsA(user) {
				continue
			}
			for _, r := range x.Access {
				if r.Create && r.HasRole(model.RoleSet(l.anon)) {
					l.add("RPL041", High, r.Pos, fmt.Sprintf("Access rule %d of %s lets anonymous users (role %s) create %s objects, which are users; Rampart refuses this through the object API, but in Mendix guests could register themselves with whatever they write.", r.Index+1, x.QualifiedName(), l.anon.Name, x.QualifiedName()), "Remove create from the rule; let guests sign up through logic that checks its input and assigns a fixed role.")
				}
			}
		}
	}
	for _, ur := range roles {
		anonymous := ur == l.anon
		broadRole := anonymous || slices.ContainsFunc(ur.ModuleRoles, func(m *model.ModuleRole) bool { return l.broad[m] })
		for _, x := range l.app.Entities() {
			if x.Module.System || !x.Persistable {
				continue
			}
			rights := l.eng.Rights([]*model.UserRole{ur}, x)
			if len(rights.Rules) == 0 {
				continue
			}
			var readAll, readIndep, writeOpen, pii []string
			var readGrants, writeGrants []security.Grant
			for _, mr := range rights.Members {
				if mr.Member.System {
					continue
				}
				all, indep := l.unconstrained(mr.Read)
				switch {
				case len(all) > 0:
					readAll = append(readAll, mr.Member.Name)
					readGrants = append(readGrants, all...)
				case len(indep) > 0:
					readIndep = append(readIndep, mr.Member.Name)
					readGrants = append(readGrants, indep...)
				}
				if len(all)+len(indep) > 0 && piiPattern.MatchString(mr.Member.Name) {
					pii = append(pii, mr.Member.Name)
				}
				if wall, windep := l.unconstrained(mr.Write); len(wall)+len(windep) > 0 {
					writeOpen = append(writeOpen, mr.Member.Name)
					writeGrants = append(append(writeGrants, wall...), windep...)
				}
				// Administrators (the admin's role, or one that manages
				// every user) control user management anyway.
				admin := ur == l.app.Security.AdminUser.Role || ur.ManageAll
				if x.IsA(user) && len(mr.Write) > 0 && !mr.Inherited() && !admin && securityMember.MatchString(mr.Member.Name) {
					l.add("RPL042", High, rulePos(x, mr.Write), fmt.Sprintf("User role %s may write %s of %s, a user member that looks security-relevant.", ur.Name, mr.Member.Name, x.QualifiedName()), "Make it ReadOnly for users, and let only administrators change it.")
				}
			}
			readable := append(append([]string{}, readAll...), readIndep...)
			switch {
			case anonymous && len(readAll) > 0:
				sev := High
				if len(pii) > 0 {
					sev = Critical
				}
				l.add("RPL030", sev, rulePos(x, readGrants), fmt.Sprintf("Anonymous users (role %s) read %s of every %s object without signing in.", ur.Name, strings.Join(readAll, ", "), x.QualifiedName()), "Add an xpath that limits guests to their own objects, or remove the read rights.")
			case len(readable) > 0 && len(pii) > 0 && broadRole:
				sev := Medium
				if len(readAll) > 0 {
					sev = High
				}
				l.add("RPL035", sev, rulePos(x, readGrants), fmt.Sprintf("User role %s reads %s of %s beyond the user's own objects.", ur.Name, strings.Join(pii, ", "), x.QualifiedName()), "Limit the rule to the user's own objects ([System.owner = '[%CurrentUser%]']) or drop those members.")
			case len(readable) > 0 && !anonymous:
				what := fmt.Sprintf("every %s object", x.QualifiedName())
				if len(readAll) == 0 {
					what = fmt.Sprintf("%s objects selected by a constraint that does not depend on the user", x.QualifiedName())
				}
				l.add("RPL034", Low, rulePos(x, readGrants), fmt.Sprintf("User role %s reads %s of %s.", ur.Name, strings.Join(readable, ", "), what), "If only some objects should be visible, add an xpath that depends on the user.")
			}
			if anonymous && len(writeOpen) > 0 {
				l.add("RPL031", High, rulePos(x, writeGrants), fmt.Sprintf("Anonymous users (role %s) write %s of %s objects that are not limited to their own.", ur.Name, strings.Join(writeOpen, ", "), x.QualifiedName()), "Limit writing to the guest's own objects with [System.owner = '[%CurrentUser%]'].")
			}
			if anonymous {
				if all, indep := l.unconstrained(rights.Delete); len(all)+len(indep) > 0 {
					l.add("RPL032", High, rulePos(x, append(all, indep...)), fmt.Sprintf("Anonymous users (role %s) may delete %s objects that are not their own.", ur.Name, x.QualifiedName()), "Remove delete from the guests' rule, or limit it to their own objects.")
				}
				if len(rights.Create) > 0 && !x.IsA(user) {
					l.add("RPL033", Medium, rulePos(x, rights.Create), fmt.Sprintf("Anonymous users (role %s) may create %s objects.", ur.Name, x.QualifiedName()), "Keep it only if guests must create them, and limit what they can write.")
				}
			}
		}
	}
}

// editableData reports rules whose constraint reads a member that users of
// the same role may write through another rule: they can move objects into
// the rule's scope (RPL036).
func (l *linter) editableData() {
	user := l.app.Entity(model.SystemUser)
	type key struct {
		ur *model.UserRole
		x  *model.Entity
	}
	rights := map[key]*security.EntityRights{}
	rightsOf := func(ur *model.UserRole, x *model.Entity) *security.EntityRights {
		k := key{ur, x}
		if r, ok := rights[k]; ok {
			return r
		}
		r := l.eng.Rights([]*model.UserRole{ur}, x)
		rights[k] = r
		return r
	}
	// writers: the user role writes m on some objects through a rule
	// other than r (built-in rules included).
	writable := func(ur *model.UserRole, m *model.Member, r *model.AccessRule) bool {
		decl := declaringEntity(m)
		if decl == nil {
			return false
		}
		for _, y := range append([]*model.Entity{decl}, decl.AllSpecializations()...) {
			for _, mr := range rightsOf(ur, y).Members {
				if !sameMember(mr.Member, m) {
					continue
				}
				for _, g := range mr.Write {
					if g.Source != r {
						return true
					}
				}
			}
		}
		return false
	}
	for _, ur := range l.app.Security.UserRoles {
		roles := model.RoleSet(ur)
		for _, x := range l.app.Entities() {
			if x.Module.System || l.app.Security.Level != model.LevelProduction {
				continue
			}
			for _, r := range x.Access {
				b := l.boundOf(r)
				if b == nil || !r.HasRole(roles) {
					continue
				}
				var names []string
				onUser := false
				readMembers(b.Cond, func(m *model.Member) {
					if m.System || slices.Contains(names, m.Name) || !writable(ur, m, r) {
						return
					}
					names = append(names, m.Name)
					if d := declaringEntity(m); d != nil && d.IsA(user) {
						onUser = true
					}
				})
				if len(names) == 0 {
					continue
				}
				sev := Medium
				if onUser {
					sev = High
				}
				l.add("RPL036", sev, r.Pos, fmt.Sprintf("User role %s may write %s, which the constraint of %s reads, so its users can bring objects into that rule and gain what it grants.", ur.Name, strings.Join(names, ", "), ruleName(r)), "Make those members read-only for the role wherever the rule's constraint reads them, or base the constraint on data only administrators change.")
			}
		}
	}
}

// readMembers calls visit for every member a condition reads: the
// associations its steps walk and the attributes it compares.
func readMembers(c xpath.Cond, visit func(*model.Member)) {
	switch c := c.(type) {
	case *xpath.AndCond:
		for _, t := range c.Terms {
			readMembers(t, visit)
		}
	case *xpath.OrCond:
		for _, t := range c.Terms {
			readMembers(t, visit)
		}
	case *xpath.NotCond:
		readMembers(c.X, visit)
	case *xpath.PathCond:
		for _, st := range c.Steps {
			if st.Member != nil {
				visit(st.Member)
			}
			if st.Filter != nil {
				readMembers(st.Filter, visit)
			}
		}
		if c.Target.Member != nil {
			visit(c.Target.Member)
		}
	}
}

// declaringEntity is the entity that declares a member.
func declaringEntity(m *model.Member) *model.Entity {
	if m.Attribute != nil {
		return m.Attribute.Entity
	}
	if m.Association != nil {
		return m.Association.From
	}
	return nil
}

func sameMember(a, b *model.Member) bool {
	return a == b || a.Attribute != nil && a.Attribute == b.Attribute || a.Association != nil && a.Association == b.Association
}

// management reports who may manage whom in ways that give too much: the
// anonymous role managing users (RPL043), and a role that may grant a role
// managing users it cannot manage itself (RPL044).
func (l *linter) management() {
	manages := func(r *model.UserRole) []*model.UserRole {
		var out []*model.UserRole
		for _, x := range r.ManageableRoles {
			if x != l.app.Security.Anonymous.Role {
				out = append(out, x)
			}
		}
		return out
	}
	names := func(rs []*model.UserRole) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return strings.Join(out, ", ")
	}
	for _, r := range l.app.Security.UserRoles {
		mine := manages(r)
		if r == l.anon {
			if len(mine) > 0 || r.ManageUsersWithoutRoles {
				what := "users without roles"
				if len(mine) > 0 {
					what = "users with roles " + names(mine)
				}
				l.add("RPL043", Critical, r.Pos, fmt.Sprintf("The anonymous user role %s may manage %s: every guest may change, block and delete them and set their passwords.", r.Name, what), "Remove manageableRoles and manageUsersWithoutRoles from the anonymous role.")
			}
			continue
		}
		for _, s := range mine {
			if s == r {
				continue
			}
			var beyond []*model.UserRole
			for _, t := range manages(s) {
				if !slices.Contains(mine, t) {
					beyond = append(beyond, t)
				}
			}
			noRoles := s.ManageUsersWithoutRoles && !r.ManageUsersWithoutRoles
			if len(beyond) == 0 && !noRoles {
				continue
			}
			what := names(beyond)
			if noRoles {
				what = strings.TrimPrefix(what+", users without roles", ", ")
			}
			l.add("RPL044", High, r.Pos, fmt.Sprintf("User role %s may grant user role %s, which manages %s; its users can create such a user and manage what they may not manage themselves.", r.Name, s.Name, what), fmt.Sprintf("Remove %s from the manageable roles of %s, or let %s manage those roles directly if that is intended.", s.Name, r.Name, r.Name))
		}
	}
}

func (l *linter) microflows() {
	for _, m := range l.app.Modules {
		for _, mf := range m.Microflows {
			anon := l.anon != nil && slices.ContainsFunc(mf.AllowedRoles, func(r *model.ModuleRole) bool { return slices.Contains(l.anon.ModuleRoles, r) })
			broad := slices.ContainsFunc(mf.AllowedRoles, func(r *model.ModuleRole) bool { return l.broad[r] })
			switch {
			case anon:
				sev := Medium
				if !mf.ApplyEntityAccess {
					sev = High
				}
				l.add("RPL050", sev, mf.Pos, fmt.Sprintf("Microflow %s can be called by anonymous users.", mf.QualifiedName()), "Allow it only to signed-in roles, or make sure it applies entity access and checks its input.")
			case broad && !mf.ApplyEntityAccess:
				l.add("RPL051", Medium, mf.Pos, fmt.Sprintf("Microflow %s ignores entity access and can be called by %s.", mf.QualifiedName(), roleList(mf.AllowedRoles)), "Set applyEntityAccess: true, or allow it only to roles that may see everything it touches.")
			}
		}
	}
}

func (l *linter) structure() {
	used := map[*model.ModuleRole]bool{}
	for _, ur := range l.app.Security.UserRoles {
		for _, r := range ur.ModuleRoles {
			used[r] = true
		}
	}
	storage := map[string]bool{model.SystemFileDocument: true, "System.Image": true, model.SystemSession: true}
	for _, m := range l.app.Modules {
		if m.System {
			continue
		}
		for _, p := range m.Pages {
			if len(p.AllowedRoles) == 0 {
				l.add("RPL060", Low, p.Pos, fmt.Sprintf("Page %s is open to no role.", p.QualifiedName()), "Add the module roles that should open it to allowedRoles, or remove the page.")
			}
		}
		for _, e := range m.Entities {
			if e.Persistable && len(e.Access) == 0 && e.Generalization == nil {
				var pii []string
				for _, mem := range e.Members() {
					if !mem.System && piiPattern.MatchString(mem.Name) {
						pii = append(pii, mem.Name)
					}
				}
				if len(pii) > 0 {
					l.add("RPL063", Medium, e.Pos, fmt.Sprintf("Entity %s has members that look personal or secret (%s) but no access rules, so only the logic that uses it protects them.", e.QualifiedName(), strings.Join(pii, ", ")), "Add access rules that limit each role to the objects and members it needs.")
				} else {
					l.add("RPL061", Low, e.Pos, fmt.Sprintf("Entity %s has no access rules, so no role reaches its objects.", e.QualifiedName()), "Add access rules for the roles that need the data, or make it non-persistable.")
				}
			}
			for _, r := range e.Access {
				if len(r.Roles) > 0 && !slices.ContainsFunc(r.Roles, func(mr *model.ModuleRole) bool { return used[mr] }) {
					l.add("RPL062", Low, r.Pos, fmt.Sprintf("Access rule %d of %s is for %s, which no user role has.", r.Index+1, e.QualifiedName(), roleList(r.Roles)), "Give a user role one of these module roles, or remove the rule.")
				}
			}
			l.redundant(e)
		}
		for _, a := range m.Associations {
			if a.To != nil && storage[a.To.QualifiedName()] {
				l.add("RPL065", Low, a.Pos, fmt.Sprintf("Association %s points at %s, which has no access rules of its own.", a.QualifiedName(), a.To.QualifiedName()), fmt.Sprintf("Specialize %s in an entity of your own with access rules, and associate with that.", a.To.QualifiedName()))
			}
		}
	}
}

// redundant reports rules that another rule of the entity covers: its
// roles include the rule's, its constraint is implied by the rule's (it has
// a subset of the conjuncts), and it grants at least as much (RPL064).
func (l *linter) redundant(e *model.Entity) {
	covers := func(s, r *model.AccessRule) bool {
		for _, m := range r.Roles {
			if !slices.Contains(s.Roles, m) {
				return false
			}
		}
		if r.Create && !s.Create || r.Delete && !s.Delete {
			return false
		}
		for _, m := range e.Members() {
			if r.Right(m) > s.Right(m) {
				return false
			}
		}
		cond := func(x *model.AccessRule) Cond {
			if x.XPath == nil {
				return Cond{All: true}
			}
			return Cond{XPath: x.XPath.Text}
		}
		return implies(cond(r), cond(s))
	}
	for _, r := range e.Access {
		if len(r.Roles) == 0 {
			continue
		}
		for _, s := range e.Access {
			// Of two rules that cover each other, the later one is reported.
			if s == r || covers(r, s) && s.Index > r.Index || !covers(s, r) {
				continue
			}
			l.add("RPL064", Low, r.Pos, fmt.Sprintf("Access rule %d of %s grants nothing that access rule %d does not already grant to the same roles on the same objects.", r.Index+1, e.QualifiedName(), s.Index+1), "Remove the rule, or change it to grant what was meant.")
			break
		}
	}
}
