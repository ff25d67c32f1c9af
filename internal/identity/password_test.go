package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/model"
)

// defaults is the policy of model.md's defaults.
var defaults = model.PasswordPolicy{MinLength: 15, MaxLength: 128, BlockCommon: true, NotContainUsername: true}

func rules(err error) string {
	var pe *PolicyError
	if !errors.As(err, &pe) {
		return ""
	}
	var out []string
	for _, f := range pe.Failures {
		if f.Message == "" {
			out = append(out, f.Rule+"(no message)")
		}
		out = append(out, f.Rule)
	}
	return strings.Join(out, ",")
}

func TestCheckPolicy(t *testing.T) {
	strict := defaults
	strict.RequireDigit, strict.RequireMixedCase, strict.RequireSymbol = true, true, true
	for _, tc := range []struct {
		name     string
		policy   model.PasswordPolicy
		user, pw string
		want     string
	}{
		{"good", defaults, "alice", "correct-horse-battery", ""},
		{"15 code points, more bytes", defaults, "alice", "Grüße-aus-Köln!", ""},
		{"14 code points", defaults, "alice", "Grüße-aus-Köl!", "minLength"},
		{"max length", defaults, "alice", strings.Repeat("ab1-", 32), ""},
		{"over max length", defaults, "alice", strings.Repeat("ab1-", 32) + "x", "maxLength"},
		{"common list", defaults, "alice", "password1234", "minLength,blockCommon"},
		{"common list, case", defaults, "alice", "QwertyUiop12", "minLength,blockCommon"},
		{"common list 12 digits", defaults, "alice", "123456789012", "minLength,blockCommon"},
		{"common long entry", defaults, "alice", "1qaz2wsx3edc4rfv", "blockCommon"},
		{"repeated", defaults, "alice", "aaaaaaaaaaaaaaaa", "blockCommon"},
		{"repeated symbol", defaults, "alice", "################", "blockCommon"},
		{"repeated non-ASCII", defaults, "alice", strings.Repeat("ß", 15), "blockCommon"},
		{"digit run", defaults, "alice", "1234567890123", "minLength,blockCommon"},
		{"digit run from 5", defaults, "alice", "5678901234567890", "blockCommon"},
		{"descending digits", defaults, "alice", "9876543210", "minLength,blockCommon"},
		{"descending digit run wrapping", defaults, "alice", "3210987654321098", "blockCommon"},
		{"letter run", defaults, "alice", "abcdefghijklmn", "minLength,blockCommon"},
		{"letter run, upper case", defaults, "alice", "ABCDEFGHIJKLMNOP", "blockCommon"},
		{"not a run", defaults, "alice", "abcdefghijklmnoq", ""},
		{"contains user name", defaults, "alice", "xx-ALICE-in-wonderland", "notContainUsername"},
		{"user name check off", model.PasswordPolicy{MinLength: 15, MaxLength: 128}, "alice", "xx-alice-in-wonderland", ""},
		{"block common off", model.PasswordPolicy{MinLength: 8, MaxLength: 128}, "alice", "password1234", ""},
		{"all rules in order", strict, "aaaa", "aaaaa", "minLength,requireDigit,requireMixedCase,requireSymbol,blockCommon,notContainUsername"},
		{"digit", strict, "bob", "No-digits-in-Here", "requireDigit"},
		{"mixed case unicode", strict, "bob", "ÄÖÜ-äöü-çñ-éè-99", ""},
		{"no upper case", strict, "bob", "äöü-äöü-çñ-éè-99", "requireMixedCase"},
		{"no symbol", strict, "bob", "NoSymbolsHere123", "requireSymbol"},
		{"every listed symbol counts", strict, "bob", "NoSymbolsHere12\\", ""},
		{"non-ASCII digit is not a digit", strict, "bob", "No-ASCII-digits-٣", "requireDigit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPolicy(tc.policy, tc.user, tc.pw)
			if got := rules(err); got != tc.want {
				t.Errorf("rules %q, want %q (%v)", got, tc.want, err)
			}
			if err != nil && strings.Contains(err.Error(), tc.pw) && len(tc.pw) > 4 {
				t.Errorf("the message repeats the password: %v", err)
			}
		})
	}
}

func TestCommonList(t *testing.T) {
	if n := len(common()); n < 10000 {
		t.Fatalf("the common list has %d entries", n)
	}
	for _, pw := range []string{"password1234", "123456789012", "qwertyuiop12"} {
		if !isCommon(pw) {
			t.Errorf("%s is not on the list", pw)
		}
	}
	if isCommon("") {
		t.Error("the empty password counts as common (minLength already refuses it)")
	}
}

func TestHashAndVerify(t *testing.T) {
	b4 := model.HashAlgorithm{Name: "bcrypt", Cost: 4}
	b5 := model.HashAlgorithm{Name: "bcrypt", Cost: 5}
	h, err := Hash(b4, "correct-horse-battery")
	if err != nil || !strings.HasPrefix(h, "$2a$04$") {
		t.Fatalf("hash %q, %v", h, err)
	}
	if ok, up := Verify(b4, h, "correct-horse-battery"); !ok || up {
		t.Errorf("verify: ok %v upgrade %v", ok, up)
	}
	if ok, _ := Verify(b4, h, "correct-horse-batterx"); ok {
		t.Error("a wrong password verified")
	}
	// A stronger current setting asks for an upgrade after success only.
	if ok, up := Verify(b5, h, "correct-horse-battery"); !ok || !up {
		t.Errorf("weaker hash: ok %v upgrade %v", ok, up)
	}
	if _, up := Verify(b5, h, "wrong"); up {
		t.Error("upgrade asked after a failure")
	}
	// Longer than 72 bytes: pre-hashed, every byte counts.
	long := strings.Repeat("é", 40) // 80 bytes
	hl, err := Hash(b4, long)
	if err != nil || !strings.HasPrefix(hl, prehashPrefix+"$2a$04$") {
		t.Fatalf("long hash %q, %v", hl, err)
	}
	if ok, _ := Verify(b4, hl, long); !ok {
		t.Error("a long password does not verify")
	}
	if ok, _ := Verify(b4, hl, long[:72]); ok {
		t.Error("the first 72 bytes of a long password verify")
	}
	if ok, _ := Verify(b4, hl, long[:78]+"è"); ok {
		t.Error("a long password differing after byte 72 verifies")
	}
	// A plain bcrypt hash never accepts a password over 72 bytes.
	h72, _ := Hash(b4, long[:72])
	if ok, _ := Verify(b4, h72, long); ok {
		t.Error("bcrypt truncation: a longer password verified against the first 72 bytes")
	}
	for _, bad := range []string{"", "plain", "$2a$04$short", "$argon2id$v=19$m=1,t=1,p=1$$", "$argon2id$v=19$m=x$a$b"} {
		if ok, _ := Verify(b4, bad, "plain"); ok {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
	if _, err := Hash(model.HashAlgorithm{Name: "md5"}, "x"); err == nil {
		t.Error("md5 hashed new passwords")
	}
	VerifyDummy(b4)
}

func TestArgon2id(t *testing.T) {
	if testing.Short() {
		t.Skip("argon2id with 64 MiB")
	}
	a := model.HashAlgorithm{Name: "argon2id"}
	h, err := Hash(a, "correct-horse-battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q, %v", h, err)
	}
	if ok, up := Verify(a, h, "correct-horse-battery"); !ok || up {
		t.Errorf("verify: ok %v upgrade %v", ok, up)
	}
	if ok, _ := Verify(a, h, "correct-horse-batterx"); ok {
		t.Error("a wrong password verified")
	}
	// Switching algorithms asks for an upgrade after success.
	if ok, up := Verify(model.HashAlgorithm{Name: "bcrypt", Cost: 4}, h, "correct-horse-battery"); !ok || !up {
		t.Errorf("argon2 under bcrypt: ok %v upgrade %v", ok, up)
	}
	b, _ := Hash(model.HashAlgorithm{Name: "bcrypt", Cost: 4}, "correct-horse-battery")
	if ok, up := Verify(a, b, "correct-horse-battery"); !ok || !up {
		t.Errorf("bcrypt under argon2id: ok %v upgrade %v", ok, up)
	}
}

func TestGeneratePassword(t *testing.T) {
	for _, p := range []model.PasswordPolicy{
		defaults,
		{MinLength: 15, MaxLength: 128, RequireDigit: true, RequireMixedCase: true, RequireSymbol: true, BlockCommon: true, NotContainUsername: true},
		{MinLength: 64, MaxLength: 64, BlockCommon: true},
	} {
		seen := map[string]bool{}
		for range 20 {
			pw := GeneratePassword(p, "admin")
			if err := CheckPolicy(p, "admin", pw); err != nil {
				t.Errorf("generated %q fails %+v: %v", pw, p, err)
			}
			if seen[pw] {
				t.Errorf("generated %q twice", pw)
			}
			seen[pw] = true
		}
	}
}
