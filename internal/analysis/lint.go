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
}

// Rules lists every lint rule, in id order.
var Rules = []*LintRule{
	{"RPL001", "security-level", "Security level below production", "At level off nothing is checked; at prototype entity access rules are skipped. Only level production enforces the model's access rules."},
	{"RPL002", "check-security-off", "Check security is off for the app", "Check security verifies that every page shows only what its roles may read; without it, pages can fail or leak at run time."},
	{"RPL003", "role-check-security-off", "Check security is off for a user role", "Pages this role reaches are not verified against its rights."},
	{"RPL004", "strict-mode-off", "Strict mode is off", "Without strict mode any signed-in user can list, create, change and delete through the generic object API whatever entity access allows, not only what pages offer."},
	{"RPL005", "demo-users", "Demo users are enabled", "Demo users sign in without a password in development mode; a development instance reachable by others gives their roles away."},
	{"RPL006", "guessable-admin-name", "The administrator has a guessable name", "Attackers try MxAdmin, admin, administrator and root first; a known name halves the work of guessing."},
	{"RPL007", "admin-password-literal", "The admin password is written in the model", "A password in a model file ends up in version control, backups and screenshots."},
	{"RPL008", "short-passwords", "Passwords may be shorter than 15 characters", "NIST SP 800-63B rev. 4 asks for at least 15 characters when a password is the only factor."},
	{"RPL009", "composition-rules", "The password policy imposes composition rules", "Rules such as 'a digit and a symbol' add little strength and push users to predictable patterns (NIST SP 800-63B rev. 4)."},
	{"RPL010", "common-passwords-allowed", "Common passwords are not blocked", "The most common passwords are the first an attacker tries."},
	{"RPL011", "weak-password-hash", "Passwords are hashed with a weak algorithm", "Fast hashes (MD5, SHA-256, salted SHA-256) and low bcrypt costs let a stolen database be cracked quickly."},
	{"RPL012", "lockout-disabled", "Accounts are never locked out", "Without lockout, passwords can be guessed online without limit."},
	{"RPL013", "sign-in-rate-limit-disabled", "Sign-in attempts are not rate-limited", "Without a rate limit one client can try passwords as fast as the server answers."},
	{"RPL014", "long-sessions", "Sessions live long", "Long idle or absolute timeouts keep abandoned sessions usable."},
	{"RPL015", "samesite-none", "The session cookie is sent cross-site", "SameSite None sends the session cookie with requests from other sites."},
	{"RPL016", "password-may-contain-name", "Passwords may contain the user name", "A password that contains the user name is among the first guesses."},
	{"RPL020", "default-readwrite", "An access rule gives ReadWrite by default", "defaultMemberAccess ReadWrite also opens every member added later to writing."},
	{"RPL021", "unconstrained-full-access", "An access rule grants everything on all objects", "A rule without a constraint that grants ReadWrite on every member (and delete) gives its roles the whole table."},
	{"RPL030", "anonymous-read", "Anonymous users read data of all objects", "Anyone who opens the app can read these members of every object, without signing in."},
	{"RPL031", "anonymous-write", "Anonymous users write data not their own", "Anyone can change these members on objects that are not limited to their own."},
	{"RPL032", "anonymous-delete", "Anonymous users delete objects", "Anyone can delete these objects without signing in."},
	{"RPL033", "anonymous-create", "Anonymous users create objects", "Anyone can create these objects; without limits that invites spam and storage abuse."},
	{"RPL034", "unconstrained-access", "A user role reaches objects regardless of who it is", "The role reads or writes every object (or objects selected by a constraint that does not depend on the user), which is often more than intended."},
	{"RPL035", "pii-readable", "Personal or secret data is readable by a broad role", "Members that look personal or secret (email, phone, IBAN, salary, tokens …) are readable beyond their owner by a role many users have."},
	{"RPL040", "anonymous-shares-module-roles", "The anonymous role reuses module roles of named user roles", "Guests get every right meant for signed-in users of those module roles."},
	{"RPL041", "anonymous-creates-users", "Anonymous users may create users", "Rules let guests create objects of a System.User specialization."},
	{"RPL042", "writable-security-members", "Security-relevant user members are writable", "Members of a user entity that look security-relevant (role, admin, permission, verified …) are writable, so users may raise their own rights."},
	{"RPL050", "anonymous-microflow", "A microflow is callable by anonymous users", "Anyone can call this microflow without signing in."},
	{"RPL051", "microflow-without-entity-access", "A microflow without entity access is callable by a broad role", "The microflow ignores entity access, so it reads and writes whatever its logic touches on behalf of many users."},
	{"RPL060", "page-without-roles", "A page is open to no role", "No role may open this page; it is dead or misconfigured."},
	{"RPL061", "entity-without-rules", "A persistable entity has no access rules", "No role can reach its objects through the API; data is only reachable by logic that ignores entity access."},
	{"RPL062", "rule-for-unused-role", "An access rule is for module roles no user role has", "The rule grants nothing to anyone; it may hide a role mapping mistake."},
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

// linter collects findings.
type linter struct {
	app      *model.App
	eng      *security.Engine
	findings []Finding
	broad    map[*model.ModuleRole]bool
	anon     *model.UserRole
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

// Lint runs every rule and returns the findings, most severe first.
func Lint(app *model.App, eng *security.Engine) []Finding {
	l := &linter{app: app, eng: eng, broad: map[*model.ModuleRole]bool{}}
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
	l.reachability()
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
	}
	name := s.AdminUser.Name
	if slices.Contains(guessableAdmins, strings.ToLower(name)) {
		l.add("RPL006", Medium, l.key("security.adminUser.name"), fmt.Sprintf("The administrator is named %q, a name attackers try first.", name), "Give adminUser.name a name that is not easy to guess.")
	}
	if pw := s.AdminUser.Password; pw.Written && !pw.EnvOnly && (pw.Given || pw.Value != "") {
		l.add("RPL007", Critical, pw.Pos, "The admin password is written in the model, so everyone with the files knows it.", "Write adminUser.password as exactly ${VAR} and set VAR in the environment.")
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

func (l *linter) rules() {
	for _, e := range l.app.Entities() {
		for _, r := range e.Access {
			broad := slices.ContainsFunc(r.Roles, func(m *model.ModuleRole) bool { return l.broad[m] })
			if r.DefaultMemberAccess == model.ReadWrite {
				sev := Medium
				if r.XPath == nil && broad {
					sev = High
				}
				l.add("RPL020", sev, r.Pos, fmt.Sprintf("Access rule %d of %s gives ReadWrite on every member not listed, including members added later.", r.Index+1, e.QualifiedName()), "List the members that need ReadWrite and set defaultMemberAccess to None or ReadOnly.")
			}
			if r.XPath == nil && l.grantsAll(r) {
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

// dependsOnUser reports a constraint that names the current user or a
// user role: it selects different objects for different users.
func dependsOnUser(g security.Grant) bool {
	if g.Builtin {
		return true
	}
	return strings.Contains(g.XPath, "[%CurrentUser%]") || strings.Contains(g.XPath, "[%UserRole_")
}

// unconstrained keeps the grants that hold regardless of the user.
func unconstrained(gs []security.Grant) (all bool, independent []security.Grant) {
	for _, g := range gs {
		if g.All {
			return true, nil
		}
		if !dependsOnUser(g) {
			independent = append(independent, g)
		}
	}
	return false, independent
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
				all, indep := unconstrained(mr.Read)
				switch {
				case all:
					readAll = append(readAll, mr.Member.Name)
					readGrants = append(readGrants, mr.Read...)
				case len(indep) > 0:
					readIndep = append(readIndep, mr.Member.Name)
					readGrants = append(readGrants, indep...)
				}
				if (all || len(indep) > 0) && piiPattern.MatchString(mr.Member.Name) {
					pii = append(pii, mr.Member.Name)
				}
				wall, windep := unconstrained(mr.Write)
				if wall || len(windep) > 0 {
					writeOpen = append(writeOpen, mr.Member.Name)
					writeGrants = append(writeGrants, mr.Write...)
				}
				if x.IsA(user) && len(mr.Write) > 0 && !mr.Inherited() && securityMember.MatchString(mr.Member.Name) {
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
				if all, indep := unconstrained(rights.Delete); all || len(indep) > 0 {
					l.add("RPL032", High, rulePos(x, rights.Delete), fmt.Sprintf("Anonymous users (role %s) may delete %s objects that are not their own.", ur.Name, x.QualifiedName()), "Remove delete from the guests' rule, or limit it to their own objects.")
				}
				if len(rights.Create) > 0 {
					if x.IsA(user) {
						l.add("RPL041", Critical, rulePos(x, rights.Create), fmt.Sprintf("Anonymous users (role %s) may create %s objects, which are users.", ur.Name, x.QualifiedName()), "Remove create from the guests' rule; create users through sign-up logic that checks its input.")
					} else {
						l.add("RPL033", Medium, rulePos(x, rights.Create), fmt.Sprintf("Anonymous users (role %s) may create %s objects.", ur.Name, x.QualifiedName()), "Keep it only if guests must create them, and limit what they can write.")
					}
				}
			}
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
				l.add("RPL061", Low, e.Pos, fmt.Sprintf("Entity %s has no access rules, so no role reaches its objects.", e.QualifiedName()), "Add access rules for the roles that need the data, or make it non-persistable.")
			}
			for _, r := range e.Access {
				if len(r.Roles) > 0 && !slices.ContainsFunc(r.Roles, func(mr *model.ModuleRole) bool { return used[mr] }) {
					l.add("RPL062", Low, r.Pos, fmt.Sprintf("Access rule %d of %s is for %s, which no user role has.", r.Index+1, e.QualifiedName(), roleList(r.Roles)), "Give a user role one of these module roles, or remove the rule.")
				}
			}
		}
	}
}
