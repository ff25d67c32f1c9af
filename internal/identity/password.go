// Package identity is who users are: password hashing and policy, sign-in
// with lockout and rate limits, and sessions kept in the store.
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/rampart/rampart/internal/model"
)

// Hash formats:
//
//	$2a$12$…                      bcrypt (cost in the hash)
//	$rampart-sha256$2a$12$…       bcrypt of base64(SHA-256(password)), for
//	                              passwords longer than bcrypt's 72 bytes
//	$argon2id$v=19$m=65536,t=3,p=2$SALT$HASH
const prehashPrefix = "$rampart-sha256"

// Argon2id parameters of model.md.
const (
	argonMemory  = 64 * 1024
	argonTime    = 3
	argonThreads = 2
	argonKeyLen  = 32
)

// Hash hashes a password with the algorithm.
func Hash(alg model.HashAlgorithm, password string) (string, error) {
	switch alg.Name {
	case "bcrypt":
		prefix := ""
		pw := []byte(password)
		if len(pw) > 72 {
			sum := sha256.Sum256(pw)
			pw = []byte(base64.StdEncoding.EncodeToString(sum[:]))
			prefix = prehashPrefix
		}
		h, err := bcrypt.GenerateFromPassword(pw, alg.Cost)
		if err != nil {
			return "", err
		}
		return prefix + string(h), nil
	case "argon2id":
		salt := make([]byte, 16)
		rand.Read(salt)
		key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
		return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
			base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
	}
	return "", fmt.Errorf("hash algorithm %s cannot hash new passwords; use bcrypt or argon2id", alg.Name)
}

// Verify checks a password against a stored hash. upgrade is true when the
// hash was made with weaker settings than alg (or another algorithm), so
// the caller should store a new hash after a successful sign-in.
func Verify(alg model.HashAlgorithm, stored, password string) (ok, upgrade bool) {
	switch {
	case strings.HasPrefix(stored, "$argon2id$"):
		ok, weak := verifyArgon2(stored, password)
		return ok, ok && (alg.Name != "argon2id" || weak)
	case strings.HasPrefix(stored, prehashPrefix+"$2"), strings.HasPrefix(stored, "$2"):
		pw := []byte(password)
		h := stored
		if rest, pre := strings.CutPrefix(stored, prehashPrefix); pre {
			sum := sha256.Sum256(pw)
			pw, h = []byte(base64.StdEncoding.EncodeToString(sum[:])), rest
		} else if len(pw) > 72 {
			return false, false
		}
		if bcrypt.CompareHashAndPassword([]byte(h), pw) != nil {
			return false, false
		}
		cost, _ := bcrypt.Cost([]byte(h))
		return true, alg.Name != "bcrypt" || cost < alg.Cost
	}
	return false, false
}

func verifyArgon2(stored, password string) (ok, weak bool) {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 {
		return false, false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 || len(key) > 128 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, m < argonMemory || t < argonTime
}

// dummyHashes are hashes of a random password per algorithm, checked for
// unknown users so that a sign-in costs the same whether the user exists.
var dummyHashes sync.Map

// VerifyDummy spends the time of one password check.
func VerifyDummy(alg model.HashAlgorithm) {
	key := alg.String()
	h, ok := dummyHashes.Load(key)
	if !ok {
		hs, err := Hash(alg, rand.Text())
		if err != nil {
			return
		}
		h, _ = dummyHashes.LoadOrStore(key, hs)
	}
	Verify(alg, h.(string), "not the password")
}

// Failure is one rule a password breaks.
type Failure struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

//go:embed common-passwords.txt
var commonList string

var common = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 50000)
	for _, line := range strings.Split(commonList, "\n") {
		if line != "" {
			m[line] = struct{}{}
		}
	}
	return m
})

// ErrPolicy wraps the failures of a refused password.
type PolicyError struct{ Failures []Failure }

func (e *PolicyError) Error() string {
	var msgs []string
	for _, f := range e.Failures {
		msgs = append(msgs, f.Message)
	}
	return "the password is refused: " + strings.Join(msgs, "; ")
}

// CheckPolicy returns nil or a *PolicyError listing every failed rule in
// the order of security.md.
func CheckPolicy(p model.PasswordPolicy, username, password string) error {
	var fs []Failure
	n := utf8.RuneCountInString(password)
	if n < p.MinLength {
		fs = append(fs, Failure{"minLength", "use at least " + strconv.Itoa(p.MinLength) + " characters"})
	}
	if n > p.MaxLength {
		fs = append(fs, Failure{"maxLength", "use at most " + strconv.Itoa(p.MaxLength) + " characters"})
	}
	if p.RequireDigit && !strings.ContainsAny(password, "0123456789") {
		fs = append(fs, Failure{"requireDigit", "include a digit (0-9)"})
	}
	if p.RequireMixedCase && !(strings.IndexFunc(password, unicode.IsUpper) >= 0 && strings.IndexFunc(password, unicode.IsLower) >= 0) {
		fs = append(fs, Failure{"requireMixedCase", "include both upper-case and lower-case letters"})
	}
	if p.RequireSymbol && !strings.ContainsAny(password, "`~!@#$%^&*()-_=+[{]}\\|;:'\"<,>./?") {
		fs = append(fs, Failure{"requireSymbol", "include a symbol such as ! or #"})
	}
	if p.BlockCommon && isCommon(password) {
		fs = append(fs, Failure{"blockCommon", "this password is too common or too simple; choose one that is hard to guess"})
	}
	if p.NotContainUsername && username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		fs = append(fs, Failure{"notContainUsername", "the password must not contain the user name"})
	}
	if len(fs) > 0 {
		return &PolicyError{fs}
	}
	return nil
}

// isCommon: on the list, one repeated character, or one run of
// consecutive digits or letters (ascending or descending).
func isCommon(password string) bool {
	lower := strings.ToLower(password)
	if _, ok := common()[lower]; ok {
		return true
	}
	rs := []rune(lower)
	if len(rs) < 2 {
		return len(rs) == 1
	}
	repeated, up, down := true, true, true
	for i := 1; i < len(rs); i++ {
		repeated = repeated && rs[i] == rs[0]
		up = up && rs[i] == rs[i-1]+1 && sameClass(rs[i], rs[i-1])
		down = down && rs[i] == rs[i-1]-1 && sameClass(rs[i], rs[i-1])
	}
	return repeated || up || down || isDigitRun(rs)
}

func sameClass(a, b rune) bool {
	return unicode.IsDigit(a) && unicode.IsDigit(b) || unicode.IsLetter(a) && unicode.IsLetter(b)
}

// isDigitRun accepts runs that wrap from 9 to 0, such as 1234567890123,
// and descending ones that wrap from 0 to 9, such as 3210987654321.
func isDigitRun(rs []rune) bool {
	up, down := true, true
	for i, r := range rs {
		if r < '0' || r > '9' {
			return false
		}
		if i > 0 {
			up = up && r == '0'+(rs[i-1]-'0'+1)%10
			down = down && r == '0'+(rs[i-1]-'0'+9)%10
		}
	}
	return up || down
}

// GeneratePassword makes a random password that satisfies the policy.
func GeneratePassword(p model.PasswordPolicy, username string) string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	n := max(p.MinLength, 20)
	if n > p.MaxLength {
		n = p.MaxLength
	}
	for {
		b := make([]byte, 0, n)
		for len(b) < n {
			var rnd [64]byte
			rand.Read(rnd[:])
			for _, r := range rnd {
				// Rejection sampling keeps every character equally likely.
				if int(r) < 256/len(alphabet)*len(alphabet) && len(b) < n {
					b = append(b, alphabet[int(r)%len(alphabet)])
				}
			}
		}
		// Satisfy the class rules deterministically at fixed positions.
		if n >= 4 {
			b[0], b[1], b[2], b[3] = 'a', 'Z', '7', '-'
		}
		pw := string(b)
		if CheckPolicy(p, username, pw) == nil {
			return pw
		}
	}
}
