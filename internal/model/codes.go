package model

// Diagnostic codes. They are stable: tools and people match on them, so a
// code is never reused for another meaning. docs/diagnostics.md lists them.
const (
	// Files and YAML.
	CodeYAML           = "RP0001" // YAML syntax
	CodeUnknownKey     = "RP0002"
	CodeDuplicateKey   = "RP0003"
	CodeWrongType      = "RP0004"
	CodeBadValue       = "RP0005"
	CodeMissingKey     = "RP0006"
	CodeUnsetVariable  = "RP0007"
	CodeUnsetAdminPass = "RP0008" // warning
	CodeModuleFileName = "RP0009"
	CodeFile           = "RP0010" // unreadable or missing file

	// Names and references.
	CodeInvalidName   = "RP0101"
	CodeDuplicateName = "RP0102"
	CodeReservedName  = "RP0103"
	CodeUnknownEntity = "RP0105"
	CodeUnknownEnum   = "RP0106"
	CodeUnknownRole   = "RP0107"
	CodeForeignRole   = "RP0108"
	CodeUnknownUser   = "RP0109" // unknown user role
	CodeUnknownPage   = "RP0110"
	CodeUnknownMember = "RP0111"

	// App security settings.
	CodeAnonymousRole   = "RP0201"
	CodeDemoAdminName   = "RP0202"
	CodeDemoNoRoles     = "RP0203"
	CodePasswordPolicy  = "RP0204"
	CodeSameSiteNone    = "RP0205" // warning
	CodeStrictNotProd   = "RP0206" // warning
	CodeUserEntity      = "RP0207"
	CodeDuplicateDemo   = "RP0209"
	CodeAnonymousAdmin  = "RP0210" // anonymous role is the admin role
	CodeTimeZone        = "RP0211"
	CodeHashAlgorithm   = "RP0212"
	CodeManageAnonymous = "RP0213" // warning: a role may manage the anonymous role

	// Domain model.
	CodeGeneralization = "RP0301"
	CodeAttrOption     = "RP0302"
	CodeEnumRequired   = "RP0303"
	CodeDefaultValue   = "RP0304"
	CodeEnumValues     = "RP0305"
	CodeCascadeSet     = "RP0306"
	CodeAssocEnd       = "RP0307"
	CodeIndex          = "RP0308"
	CodeSystemMember   = "RP0309"

	// Access rules.
	CodeRuleNoRoles      = "RP0401"
	CodeRuleGrantsNone   = "RP0402"
	CodeRuleReadWrite    = "RP0403"
	CodeRuleXPathNonPers = "RP0404"
	CodeRuleDefaultTwice = "RP0405"
	CodeRuleUserMember   = "RP0406" // warning
	CodeRuleAssocSide    = "RP0407"

	// Pages, microflows and navigation.
	CodePageKind     = "RP0501"
	CodePageColumn   = "RP0502"
	CodePageTarget   = "RP0503"
	CodePageURL      = "RP0504"
	CodeDuplicateURL = "RP0505"
	CodePageSearch   = "RP0506"
	CodePageSort     = "RP0507"
	CodePageAction   = "RP0508"
	CodePageEntity   = "RP0509"
	CodeMenu         = "RP0510"
	CodeMicroflow    = "RP0511"

	// Check security.
	CodeCheckColumn   = "RP0601"
	CodeCheckField    = "RP0602"
	CodeCheckCreate   = "RP0603"
	CodeCheckHomePage = "RP0604" // warning
)

// CodeSummaries says in a few words what each code means; SARIF output
// and docs/diagnostics.md use it.
var CodeSummaries = map[string]string{
	CodeYAML:           "The file is not valid YAML",
	CodeUnknownKey:     "A key the model does not define",
	CodeDuplicateKey:   "A key or member given twice",
	CodeWrongType:      "A value of the wrong type",
	CodeBadValue:       "A value outside what the key allows",
	CodeMissingKey:     "A required key is missing",
	CodeUnsetVariable:  "An environment variable without default is not set",
	CodeUnsetAdminPass: "The admin password's environment variable is not set",
	CodeModuleFileName: "The module name differs from its file name",
	CodeFile:           "A listed module file does not exist",

	CodeInvalidName:   "A name that is not a valid identifier",
	CodeDuplicateName: "A name that repeats another ignoring case",
	CodeReservedName:  "A member name that is reserved",
	CodeUnknownEntity: "An unknown entity",
	CodeUnknownEnum:   "An unknown enumeration",
	CodeUnknownRole:   "An unknown module role",
	CodeForeignRole:   "A module role of another module",
	CodeUnknownUser:   "An unknown user role",
	CodeUnknownPage:   "An unknown page",
	CodeUnknownMember: "An unknown attribute or association",

	CodeAnonymousRole:   "Anonymous users enabled without a role",
	CodeDemoAdminName:   "A demo user named like the administrator",
	CodeDemoNoRoles:     "A demo user without user roles",
	CodePasswordPolicy:  "A password policy that cannot work",
	CodeSameSiteNone:    "Session cookie sent with cross-site requests",
	CodeStrictNotProd:   "Strict mode below production level",
	CodeUserEntity:      "A user entity that is not System.User or a specialization",
	CodeDuplicateDemo:   "A demo user listed twice",
	CodeAnonymousAdmin:  "The anonymous role is the administrator's role",
	CodeTimeZone:        "An unknown time zone",
	CodeHashAlgorithm:   "An unknown password hash algorithm",
	CodeManageAnonymous: "A user role lists the anonymous role as manageable",

	CodeGeneralization: "A generalization that cannot work",
	CodeAttrOption:     "An attribute option its type does not take",
	CodeEnumRequired:   "An Enumeration attribute without enumeration",
	CodeDefaultValue:   "A default that is not a value of the attribute",
	CodeEnumValues:     "An enumeration without values",
	CodeCascadeSet:     "onDelete cascade on a ReferenceSet",
	CodeAssocEnd:       "An association end that cannot be stored",
	CodeIndex:          "An index that cannot be created",
	CodeSystemMember:   "An unknown system member",

	CodeRuleNoRoles:      "An access rule without roles",
	CodeRuleGrantsNone:   "An access rule that grants nothing",
	CodeRuleReadWrite:    "ReadWrite on a member clients can never write",
	CodeRuleXPathNonPers: "An XPath on a rule of a non-persistable entity",
	CodeRuleDefaultTwice: "Both defaultMemberAccess and \"*\"",
	CodeRuleUserMember:   "A System.User member named in a specialization's rule",
	CodeRuleAssocSide:    "An association granted on its to side",

	CodePageKind:     "A page with both list and form",
	CodePageColumn:   "A column or field that cannot be shown",
	CodePageTarget:   "An open or new target that is not a form of the same entity",
	CodePageURL:      "A page or microflow url that is not allowed",
	CodeDuplicateURL: "A url used twice",
	CodePageSearch:   "A search member that is not a String",
	CodePageSort:     "A sort member that cannot be sorted on",
	CodePageAction:   "An unknown or repeated form action",
	CodePageEntity:   "A list page of a non-persistable entity",
	CodeMenu:         "A menu item that is neither a leaf nor a group",
	CodeMicroflow:    "A microflow parameter without type",

	CodeCheckColumn:   "Check security: a column the role may not read",
	CodeCheckField:    "Check security: a field the role may not read",
	CodeCheckCreate:   "Check security: New without create right",
	CodeCheckHomePage: "Check security: a home page the role cannot open",
}
