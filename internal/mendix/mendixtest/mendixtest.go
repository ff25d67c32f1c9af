// Package mendixtest builds Mendix projects for tests: BSON units from Go
// values, written as MPR v1 (one SQLite file) or MPR v2 (SQLite plus
// mprcontents/), and Tiny, a small project with every construct the
// importer reads.
package mendixtest

import (
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// A BSON encoder and project builder for tests: small Mendix Units and
// whole projects, in MPR v1 (one SQLite file) and v2 (SQLite plus
// mprcontents/) layout.

// D is a document with ordered fields.
type D []E

// E is one field: its name (a string) and its value. It is an array, not
// a struct, so that fields are written {"Name", value}.
type E [2]any

// A is a Mendix array: encoded with the leading storage marker.
type A []any

// RawA is a BSON array written as is, without a marker.
type RawA []any

// G is a GUID written as a 16-byte binary in .NET order.
type G string

func Encode(d D) []byte {
	var body []byte
	for _, e := range d {
		body = appendValue(body, e[0].(string), e[1])
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(body)+5))
	out = append(out, body...)
	return append(out, 0)
}

func appendValue(b []byte, k string, v any) []byte {
	head := func(t byte) {
		b = append(b, t)
		b = append(b, k...)
		b = append(b, 0)
	}
	switch x := v.(type) {
	case nil:
		head(0x0A)
	case string:
		head(0x02)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(x)+1))
		b = append(b, x...)
		b = append(b, 0)
	case bool:
		head(0x08)
		if x {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case int:
		head(0x10)
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
	case int64:
		head(0x12)
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	case float64:
		head(0x01)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	case D:
		head(0x03)
		b = append(b, Encode(x)...)
	case A:
		marker := 3
		if len(x) > 0 {
			if _, ok := x[0].(string); ok {
				marker = 1
			}
		}
		head(0x04)
		b = append(b, encodeArray(append([]any{marker}, x...))...)
	case RawA:
		head(0x04)
		b = append(b, encodeArray(x)...)
	case G:
		head(0x05)
		raw := GUIDBytes(string(x))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(raw)))
		b = append(b, 0)
		b = append(b, raw...)
	default:
		panic(fmt.Sprintf("cannot encode %T", v))
	}
	return b
}

func encodeArray(items []any) []byte {
	d := make(D, len(items))
	for i, it := range items {
		d[i] = E{fmt.Sprint(i), it}
	}
	return Encode(d)
}

// GUIDBytes is the inverse of FormatGUID.
func GUIDBytes(s string) []byte {
	h, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(h) != 16 {
		panic("bad GUID " + s)
	}
	order := [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	out := make([]byte, 16)
	for i, j := range order {
		out[j] = h[i]
	}
	return out
}

// GUID makes a GUID from a number, for readable tests.
func GUID(n int) G { return G(fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n)) }

// Text is a Texts$Text with translations: language code, text, ….
func Text(pairs ...string) D {
	items := A{}
	for i := 0; i+1 < len(pairs); i += 2 {
		items = append(items, D{{"$Type", "Texts$Translation"}, {"LanguageCode", pairs[i]}, {"Text", pairs[i+1]}})
	}
	return D{{"$Type", "Texts$Text"}, {"Items", items}}
}

// Unit is one unit of a test project.
type Unit struct {
	ID, Container G
	Containment   string
	Doc           D
}

// Project is a project to write: its units, in any order.
type Project struct {
	Units []Unit
	// ProductVersion is written to _MetaData.
	ProductVersion string
}

// Add adds a unit.
func (f *Project) Add(id, container G, containment string, doc D) {
	f.Units = append(f.Units, Unit{id, container, containment, doc})
}

// WriteV1 writes the project as MPR v1: one SQLite file with the
// contents in Unit.Contents.
func (f *Project) WriteV1(t testing.TB, dir string) string {
	t.Helper()
	return f.write(t, dir, 1)
}

// WriteV2 writes the project as MPR v2: App.mpr without contents, and
// mprcontents/xx/yy/<id>.mxunit files.
func (f *Project) WriteV2(t testing.TB, dir string) string {
	t.Helper()
	return f.write(t, dir, 2)
}

func (f *Project) write(t testing.TB, dir string, format int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "App.mpr")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pv := f.ProductVersion
	if pv == "" {
		pv = "10.0.0.1"
	}
	if format == 1 {
		exec("CREATE TABLE _MetaData (_ProductVersion TEXT, _BuildVersion TEXT, _SchemaHash TEXT)")
		exec("INSERT INTO _MetaData VALUES (?, ?, '')", pv, pv)
		exec("CREATE TABLE Unit (UnitID BLOB PRIMARY KEY NOT NULL, ContainerID BLOB, ContainmentName TEXT, TreeConflict LONG, ContentsHash TEXT, ContentsConflicts TEXT, Contents BLOB)")
	} else {
		exec("CREATE TABLE _MetaData (_FormatVersion INTEGER, _ProductVersion TEXT, _BuildVersion TEXT, _SchemaHash TEXT)")
		exec("INSERT INTO _MetaData VALUES (2, ?, ?, '')", pv, pv)
		exec("CREATE TABLE Unit (UnitID BLOB PRIMARY KEY NOT NULL, ContainerID BLOB, ContainmentName TEXT, TreeConflict LONG, ContentsHash TEXT, ContentsConflicts TEXT)")
	}
	for _, u := range f.Units {
		data := Encode(u.Doc)
		if format == 1 {
			exec("INSERT INTO Unit VALUES (?, ?, ?, 0, '', '', ?)", GUIDBytes(string(u.ID)), GUIDBytes(string(u.Container)), u.Containment, data)
			continue
		}
		exec("INSERT INTO Unit VALUES (?, ?, ?, 0, '', '')", GUIDBytes(string(u.ID)), GUIDBytes(string(u.Container)), u.Containment)
		id := string(u.ID)
		file := filepath.Join(dir, "mprcontents", id[0:2], id[2:4], id+".mxunit")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// The passwords of the Tiny project: they must never appear in what the
// importer writes.
const (
	TinyAdminPassword = "Sup3r-S3cret-Admin"
	TinyDemoPassword  = "Dem0-Pa55word-XYZ"
)

// Tiny is a small project that holds every construct the importer
// reads, and some it must report: two modules (one from the Marketplace),
// module roles, enumerations, entities of every attribute type,
// generalizations of System.User and System.Image, system members,
// validation rules, an index, event handlers, associations of both types
// and owners, a cross-module association, access rules with XPath and
// member rights (own, inherited and system members), pages, microflows,
// nanoflows, a published REST service, a workflow, project security with
// user roles, demo users and a password policy, settings and navigation.
// Its passwords must never appear in what the importer writes.
func Tiny() *Project {
	f := &Project{ProductVersion: "10.18.0.12345"}
	var (
		root      = GUID(1)
		shop      = GUID(2)
		admin     = GUID(3)
		folder    = GUID(4)
		order     = GUID(100)
		customer  = GUID(101)
		line      = GUID(102)
		photo     = GUID(103)
		account   = GUID(104)
		attrTotal = GUID(110)
		attrStat  = GUID(111)
		attrNote  = GUID(112)
	)
	str := func(n int) D { return D{{"$Type", "DomainModels$StringAttributeType"}, {"Length", n}} }
	typ := func(t string) D { return D{{"$Type", "DomainModels$" + t}} }
	stored := func(v string) D { return D{{"$Type", "DomainModels$StoredValue"}, {"DefaultValue", v}} }
	at := func(id G, name string, t D, v D) D {
		return D{{"$ID", id}, {"$Type", "DomainModels$Attribute"}, {"Name", name}, {"NewType", t}, {"Value", v}}
	}
	noGen := func(persistable, owner, created bool) D {
		return D{{"$Type", "DomainModels$NoGeneralization"}, {"HasChangedByAttr", false}, {"HasChangedDateAttr", false},
			{"HasCreatedDateAttr", created}, {"HasOwnerAttr", owner}, {"Persistable", persistable}}
	}
	gen := func(g string) D { return D{{"$Type", "DomainModels$Generalization"}, {"Generalization", g}} }
	member := func(rights, attribute, association string) D {
		return D{{"$Type", "DomainModels$MemberAccess"}, {"AccessRights", rights}, {"Association", association}, {"Attribute", attribute}}
	}
	rule := func(roles A, create, del bool, def, xpath, caption, doc string, members ...any) D {
		return D{{"$Type", "DomainModels$AccessRule"}, {"AllowCreate", create}, {"AllowDelete", del},
			{"AllowedModuleRoles", roles}, {"DefaultMemberAccessRights", def}, {"Documentation", doc},
			{"MemberAccesses", A(members)}, {"XPathConstraint", xpath}, {"XPathConstraintCaption", caption}}
	}
	deleteBehavior := func(parent, child string) D {
		return D{{"$Type", "DomainModels$DeleteBehavior"}, {"ChildDeleteBehavior", child}, {"ParentDeleteBehavior", parent}}
	}

	f.Add(root, root, "", D{{"$ID", root}, {"$Type", "Projects$Project"}})
	f.Add(shop, root, "Modules", D{{"$ID", shop}, {"$Type", "Projects$ModuleImpl"}, {"Name", "Shop"}, {"FromAppStore", false}})
	f.Add(admin, root, "Modules", D{{"$ID", admin}, {"$Type", "Projects$ModuleImpl"}, {"Name", "Admin"},
		{"FromAppStore", true}, {"AppStoreVersion", "1.2.3"}, {"AppStorePackageId", 42}})
	f.Add(folder, shop, "Folders", D{{"$Type", "Projects$Folder"}, {"Name", "Orders"}})
	f.Add(GUID(5), shop, "ModuleSettings", D{{"$Type", "Projects$ModuleSettings"}, {"Version", "1.0.0"}})

	f.Add(GUID(10), shop, "ModuleSecurity", D{{"$Type", "Security$ModuleSecurity"}, {"ModuleRoles", A{
		D{{"$Type", "Security$ModuleRole"}, {"Name", "Customer"}, {"Description", "Buys things"}},
		D{{"$Type", "Security$ModuleRole"}, {"Name", "Manager"}, {"Description", ""}},
	}}})
	f.Add(GUID(11), admin, "ModuleSecurity", D{{"$Type", "Security$ModuleSecurity"}, {"ModuleRoles", A{
		D{{"$Type", "Security$ModuleRole"}, {"Name", "Administrator"}, {"Description", ""}},
		D{{"$Type", "Security$ModuleRole"}, {"Name", "User"}, {"Description", ""}},
	}}})

	enumValue := func(name string, caption D) D {
		return D{{"$Type", "Enumerations$EnumerationValue"}, {"Name", name}, {"Caption", caption}}
	}
	f.Add(GUID(20), folder, "Documents", D{{"$Type", "Enumerations$Enumeration"}, {"Name", "Status"}, {"Excluded", false}, {"Values", A{
		enumValue("Open", Text("en_US", "Open", "nl_NL", "Open")),
		enumValue("Closed", Text("en_US", "Closed", "nl_NL", "Gesloten")),
	}}})
	f.Add(GUID(21), shop, "Documents", D{{"$Type", "Enumerations$Enumeration"}, {"Name", "Answer"}, {"Values", A{
		enumValue("Yes", Text("nl_NL", "Yes")), enumValue("No", Text("nl_NL", "No")),
	}}})

	f.Add(GUID(30), shop, "DomainModel", D{{"$Type", "DomainModels$DomainModel"},
		{"Entities", A{
			D{{"$ID", order}, {"$Type", "DomainModels$EntityImpl"}, {"Name", "Order"}, {"MaybeGeneralization", noGen(true, true, true)},
				{"Attributes", A{
					at(GUID(113), "Number", typ("AutoNumberAttributeType"), stored("1")),
					at(attrTotal, "Total", typ("DecimalAttributeType"), stored("0")),
					at(attrStat, "Status", D{{"$Type", "DomainModels$EnumerationAttributeType"}, {"Enumeration", "Shop.Status"}}, stored("Open")),
					at(attrNote, "Note", str(0), stored("")),
					at(GUID(114), "Paid", typ("BooleanAttributeType"), stored("true")),
					at(GUID(115), "Count", typ("IntegerAttributeType"), stored("0")),
					at(GUID(116), "Big", typ("LongAttributeType"), stored("")),
					at(GUID(117), "When", D{{"$Type", "DomainModels$DateTimeAttributeType"}, {"LocalizeDate", true}}, stored("[%CurrentDateTime%]")),
					at(GUID(118), "Secret", typ("HashedStringAttributeType"), stored("")),
					at(GUID(119), "Data", typ("BinaryAttributeType"), stored("")),
					at(GUID(120), "Price", typ("FloatAttributeType"), stored("")),
					at(GUID(121), "id", str(20), stored("")),
					at(GUID(122), "Größe", str(10), stored("M")),
					at(GUID(123), "Label", str(50), D{{"$Type", "DomainModels$CalculatedValue"}, {"Microflow", "Shop.CalcLabel"}}),
					at(GUID(124), "Code", str(5), stored("ABCDEFG")),
				}},
				{"ValidationRules", A{
					D{{"$Type", "DomainModels$ValidationRule"}, {"Attribute", "Shop.Order.Total"}, {"RuleInfo", D{{"$Type", "DomainModels$RequiredRuleInfo"}}}},
					D{{"$Type", "DomainModels$ValidationRule"}, {"Attribute", "Shop.Order.Note"}, {"RuleInfo", D{{"$Type", "DomainModels$UniqueRuleInfo"}}}},
					D{{"$Type", "DomainModels$ValidationRule"}, {"Attribute", "Shop.Order.Count"}, {"RuleInfo", D{{"$Type", "DomainModels$RangeRuleInfo"}}}},
				}},
				{"Indexes", A{D{{"$Type", "DomainModels$EntityIndex"}, {"Attributes", A{
					D{{"$Type", "DomainModels$IndexedAttribute"}, {"AttributePointer", attrStat}},
					D{{"$Type", "DomainModels$IndexedAttribute"}, {"AttributePointer", attrTotal}},
				}}}}},
				{"Events", A{D{{"$Type", "DomainModels$EntityEvent"}, {"Moment", "Before"}, {"Type", "Commit"}, {"Microflow", "Shop.BCO_Order"}}}},
				{"AccessRules", A{
					rule(A{"Shop.Customer"}, true, false, "ReadOnly", "[System.owner = '[%CurrentUser%]']", "Own orders", "",
						member("ReadWrite", "Shop.Order.Total", ""),
						member("ReadOnly", "Shop.Order.Number", ""),
						member("ReadOnly", "Shop.Order.createdDate", ""),
						member("ReadOnly", "", "System.owner"),
						member("ReadWrite", "", "Shop.Order_Customer"),
						member("ReadWrite", "Shop.Order.Größe", ""),
						member("ReadOnly", "Shop.Gone.Thing", "")),
					rule(A{"Shop.Manager", "Shop.Ghost"}, false, true, "ReadWrite", "", "", "Managers see all; costs ${CURRENCY}", member("ReadOnly", "Shop.Order.Number", "")),
				}},
			},
			D{{"$ID", customer}, {"$Type", "DomainModels$EntityImpl"}, {"Name", "Customer"}, {"MaybeGeneralization", noGen(true, false, false)},
				{"Attributes", A{at(GUID(130), "Name", str(100), stored(""))}},
				{"AccessRules", A{rule(A{"Shop.Customer"}, false, false, "None", "", "", "", member("ReadOnly", "Shop.Customer.Name", ""), member("ReadOnly", "", "Shop.Line_Customer"))}},
			},
			D{{"$ID", line}, {"$Type", "DomainModels$EntityImpl"}, {"Name", "Line"}, {"MaybeGeneralization", noGen(false, false, false)},
				{"Attributes", A{at(GUID(131), "Qty", typ("IntegerAttributeType"), stored("1"))}},
				{"AccessRules", A{rule(A{"Shop.Customer"}, true, true, "ReadWrite", "", "", "", member("None", "", "Shop.Line_Customer"))}},
			},
			D{{"$ID", photo}, {"$Type", "DomainModels$EntityImpl"}, {"Name", "Photo"}, {"MaybeGeneralization", gen("System.Image")},
				{"AccessRules", A{rule(A{"Shop.Manager"}, true, true, "None", "", "", "",
					member("ReadOnly", "System.FileDocument.Name", ""), member("ReadWrite", "System.Image.EnableCaching", ""))}},
			},
		}},
		{"Associations", A{
			D{{"$Type", "DomainModels$Association"}, {"Name", "Order_Customer"}, {"ParentPointer", order}, {"ChildPointer", customer},
				{"Type", "Reference"}, {"Owner", "Default"}, {"DeleteBehavior", deleteBehavior("DeleteMeIfNoReferences", "DeleteMeButKeepReferences")}},
			D{{"$Type", "DomainModels$Association"}, {"Name", "Line_Customer"}, {"ParentPointer", line}, {"ChildPointer", customer},
				{"Type", "ReferenceSet"}, {"Owner", "Both"}, {"DeleteBehavior", deleteBehavior("DeleteMeAndReferences", "DeleteMeAndReferences")}},
			D{{"$Type", "DomainModels$Association"}, {"Name", "Order_Nowhere"}, {"ParentPointer", order}, {"ChildPointer", GUID(999)}, {"Type", "Reference"}},
		}},
		{"CrossAssociations", A{
			D{{"$Type", "DomainModels$CrossAssociation"}, {"Name", "Order_Account"}, {"ParentPointer", order}, {"Child", "Admin.Account"},
				{"Type", "Reference"}, {"Owner", "Default"}, {"DeleteBehavior", deleteBehavior("DeleteMeAndReferences", "DeleteMeButKeepReferences")}},
			D{{"$Type", "DomainModels$CrossAssociation"}, {"Name", "Order_Language"}, {"ParentPointer", order}, {"Child", "System.Language"}, {"Type", "Reference"}},
		}},
	})
	f.Add(GUID(31), admin, "DomainModel", D{{"$Type", "DomainModels$DomainModel"},
		{"Entities", A{
			D{{"$ID", account}, {"$Type", "DomainModels$EntityImpl"}, {"Name", "Account"}, {"MaybeGeneralization", gen("System.User")},
				{"Attributes", A{at(GUID(140), "FullName", str(100), stored(""))}},
				{"AccessRules", A{
					rule(A{"Admin.Administrator"}, true, true, "None", "", "", "",
						member("ReadWrite", "Admin.Account.FullName", ""),
						member("ReadOnly", "System.User.Name", ""),
						member("ReadOnly", "", "System.User_Language")),
					rule(A{"Admin.User"}, false, false, "None", "[id = '[%CurrentUser%]']", "", "Own account\nonly",
						member("ReadWrite", "Admin.Account.FullName", "")),
				}},
			},
		}},
		{"Associations", A{}}, {"CrossAssociations", A{}},
	})

	page := func(name string, roles A, url string, excluded bool, title D) D {
		return D{{"$Type", "Forms$Page"}, {"Name", name}, {"AllowedModuleRoles", roles}, {"Url", url}, {"Excluded", excluded}, {"Title", title},
			{"Widgets", A{D{{"$Type", "Forms$DataView"}, {"Name", "dataView1"}, {"Widgets", A{D{{"$Type", "Forms$TextBox"}, {"Name", "textBox1"}}}}}}},
			{"Parameters", A{D{{"$Type", "Forms$PageParameter"}, {"Name", "Order"}}}}}
	}
	f.Add(GUID(40), folder, "Documents", page("OrderList", A{"Shop.Customer", "Shop.Manager", "Shop.Ghost"}, "orders", false, Text("en_US", "Orders", "nl_NL", "Bestellingen")))
	f.Add(GUID(41), folder, "Documents", page("OrderEdit", A{"Shop.Manager"}, "order/{Id}", false, Text("en_US", "Order")))
	f.Add(GUID(42), shop, "Documents", page("Old", A{}, "", true, Text("en_US", "Old")))
	f.Add(GUID(43), admin, "Documents", page("Accounts", A{"Admin.Administrator"}, "", false, Text("en_US", "Accounts")))

	param := func(name string, t D) D {
		return D{{"$Type", "Microflows$MicroflowParameter"}, {"Name", name}, {"VariableType", t}}
	}
	f.Add(GUID(50), folder, "Documents", D{{"$Type", "Microflows$Microflow"}, {"Name", "Submit"},
		{"AllowedModuleRoles", A{"Shop.Customer"}}, {"ApplyEntityAccess", true}, {"Url", ""},
		{"ObjectCollection", D{{"$Type", "Microflows$MicroflowObjectCollection"}, {"Objects", A{
			D{{"$Type", "Microflows$StartEvent"}},
			param("Order", D{{"$Type", "DataTypes$ObjectType"}, {"Entity", "Shop.Order"}}),
			param("Note", D{{"$Type", "DataTypes$StringType"}}),
			param("Lines", D{{"$Type", "DataTypes$ListType"}, {"Entity", "Shop.Line"}}),
			param("Session", D{{"$Type", "DataTypes$ObjectType"}, {"Entity", "System.HttpRequest"}}),
			D{{"$Type", "Microflows$ActionActivity"}},
			D{{"$Type", "Microflows$ActionActivity"}},
			D{{"$Type", "Microflows$EndEvent"}},
		}}}},
	})
	f.Add(GUID(51), shop, "Documents", D{{"$Type", "Microflows$Microflow"}, {"Name", "Export"},
		{"AllowedModuleRoles", A{}}, {"ApplyEntityAccess", false}, {"Url", "export-orders"}})
	f.Add(GUID(52), shop, "Documents", D{{"$Type", "Microflows$Nanoflow"}, {"Name", "ClientThing"}, {"AllowedModuleRoles", A{"Shop.Customer"}}})
	f.Add(GUID(53), shop, "Documents", D{{"$Type", "Rest$PublishedRestService"}, {"Name", "OrdersApi"}, {"AllowedRoles", A{"Shop.Manager"}}})
	f.Add(GUID(54), shop, "Documents", D{{"$Type", "Workflows$Workflow"}, {"Name", "Approve"}})

	f.Add(GUID(60), root, "ProjectDocuments", D{{"$Type", "Security$ProjectSecurity"},
		{"SecurityLevel", "CheckEverything"}, {"CheckSecurity", true}, {"StrictMode", true}, {"StrictPageUrlCheck", true},
		{"AdminUserName", "MxAdmin"}, {"AdminUserRole", "Administrator"}, {"AdminPassword", TinyAdminPassword},
		{"EnableGuestAccess", true}, {"GuestUserRole", "Guest role"}, {"EnableDemoUsers", true},
		{"UserRoles", A{
			D{{"$Type", "Security$UserRole"}, {"Name", "Administrator"}, {"Description", "Runs the shop"}, {"CheckSecurity", true},
				{"ManageAllRoles", true}, {"ManageableRoles", A{}}, {"ManageUsersWithoutRoles", true},
				{"ModuleRoles", A{"System.Administrator", "Shop.Manager", "Admin.Administrator"}}},
			D{{"$Type", "Security$UserRole"}, {"Name", "Customer"}, {"Description", ""}, {"CheckSecurity", true},
				{"ManageAllRoles", false}, {"ManageableRoles", A{"Nobody"}}, {"ManageUsersWithoutRoles", false},
				{"ModuleRoles", A{"System.User", "Shop.Customer", "Admin.User"}}},
			D{{"$Type", "Security$UserRole"}, {"Name", "Guest role"}, {"Description", ""}, {"CheckSecurity", false},
				{"ManageAllRoles", false}, {"ManageableRoles", A{}}, {"ModuleRoles", A{"System.User", "Other.Role"}}},
			D{{"$Type", "Security$UserRole"}, {"Name", "Support"}, {"CheckSecurity", true},
				{"ManageAllRoles", false}, {"ManageableRoles", A{"Customer"}}, {"ModuleRoles", A{"System.User", "Shop.Manager"}}},
		}},
		{"DemoUsers", A{
			D{{"$Type", "Security$DemoUserImpl"}, {"UserName", "demo_customer"}, {"Password", TinyDemoPassword},
				{"Entity", "Admin.Account"}, {"UserRoles", A{"Customer"}}},
		}},
		{"PasswordPolicySettings", D{{"$Type", "Security$PasswordPolicySettings"}, {"MinimumLength", 10},
			{"RequireDigit", true}, {"RequireMixedCase", false}, {"RequireSymbol", true}}},
		{"FileDocumentAccess", D{{"$Type", "Security$FileDocumentAccessRuleContainer"}, {"AccessRules", A{}}}},
	})
	f.Add(GUID(61), root, "ProjectDocuments", D{{"$Type", "Settings$ProjectSettings"}, {"Settings", A{
		D{{"$Type", "Settings$ModelSettings"}, {"HashAlgorithm", "SSHA256"}, {"BcryptCost", 12},
			{"AllowUserMultipleSessions", false}, {"DefaultTimeZoneCode", "Europe/Amsterdam"}},
		D{{"$Type", "Settings$LanguageSettings"}, {"DefaultLanguageCode", "nl_NL"}},
		D{{"$Type", "Forms$WebUIProjectSettingsPart"}, {"UrlPrefix", "p"}},
	}}})
	formAction := func(p string) D {
		return D{{"$Type", "Forms$FormAction"}, {"FormSettings", D{{"$Type", "Forms$FormSettings"}, {"Form", p}}}}
	}
	f.Add(GUID(62), root, "ProjectDocuments", D{{"$Type", "Navigation$NavigationDocument"}, {"Profiles", A{
		D{{"$Type", "Navigation$NavigationProfile"}, {"Name", "Responsive"}, {"Kind", "Responsive"},
			{"HomePage", D{{"$Type", "Navigation$HomePage"}, {"Page", "Shop.OrderList"}, {"Microflow", ""}}},
			{"HomeItems", A{
				D{{"$Type", "Navigation$RoleBasedHomePage"}, {"UserRole", "Administrator"}, {"Page", "Admin.Accounts"}, {"Microflow", ""}},
				D{{"$Type", "Navigation$RoleBasedHomePage"}, {"UserRole", "Customer"}, {"Page", "Shop.Old"}, {"Microflow", ""}},
			}},
			{"Menu", D{{"$Type", "Menus$MenuItemCollection"}, {"Items", A{
				D{{"$Type", "Menus$MenuItem"}, {"Caption", Text("en_US", "Orders")}, {"Action", formAction("Shop.OrderList")}, {"Items", A{}}},
				D{{"$Type", "Menus$MenuItem"}, {"Caption", Text("en_US", "Admin")}, {"Action", nil}, {"Items", A{
					D{{"$Type", "Menus$MenuItem"}, {"Caption", Text("en_US", "Accounts")}, {"Action", formAction("Admin.Accounts")}, {"Items", A{}}},
				}}},
				D{{"$Type", "Menus$MenuItem"}, {"Caption", Text("en_US", "Sign out")}, {"Action", D{{"$Type", "Forms$SignOutClientAction"}}}, {"Items", A{}}},
			}}}},
		},
		D{{"$Type", "Navigation$NavigationProfile"}, {"Name", "Phone"}, {"Kind", "Phone"}},
	}}})
	return f
}
