package xpath

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokenKind uint8

const (
	unknownToken tokenKind = iota
	objectToken            // CurrentUser, UserRole_NAME: yields an object
	dateToken              // CurrentDateTime, BeginOf…, EndOf…: yields an instant
	lengthToken            // SecondLength … YearLength: only inside date arithmetic
)

var tokenKinds = func() map[string]tokenKind {
	m := map[string]tokenKind{"CurrentUser": objectToken}
	dates := []string{"CurrentDateTime", "BeginOfYesterday", "EndOfYesterday", "BeginOfTomorrow", "EndOfTomorrow"}
	for _, u := range []string{"Minute", "Hour", "Day", "Week", "Month", "Year"} {
		dates = append(dates, "BeginOfCurrent"+u, "EndOfCurrent"+u)
	}
	for _, d := range dates {
		m[d], m[d+"UTC"] = dateToken, dateToken
	}
	for _, u := range []string{"Second", "Minute", "Hour", "Day", "Week", "Month", "Year"} {
		m[u+"Length"] = lengthToken
	}
	return m
}()

func kindOfToken(name string) tokenKind {
	if role, ok := strings.CutPrefix(name, "UserRole_"); ok && isName(role) {
		return objectToken
	}
	return tokenKinds[name]
}

// tokenScanner reads the text of a string that contains "[%". It works on the value with
// doubled quotes undone; columns stay exact up to the first quote character, which is never
// valid in a token string, so every error is reported at the right column.
type tokenScanner struct {
	s    string
	i    int
	col0 int // column of s[0]
}

func (sc *tokenScanner) col() int { return sc.col0 + utf8.RuneCountInString(sc.s[:sc.i]) }

func (sc *tokenScanner) skipSpace() {
	for sc.i < len(sc.s) && strings.IndexByte(" \t\r\n", sc.s[sc.i]) >= 0 {
		sc.i++
	}
}

func (sc *tokenScanner) unexpected(want string) *Error {
	found := "end of string"
	if sc.i < len(sc.s) {
		r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
		found = strconv.QuoteRune(r)
	}
	return errorf(sc.col(), "expected %s but found %s", want, found)
}

// token reads `[%Name%]` at the current position and returns the name, its kind and column.
func (sc *tokenScanner) token(want string) (string, tokenKind, int) {
	col := sc.col()
	if !strings.HasPrefix(sc.s[sc.i:], "[%") {
		panic(sc.unexpected(want))
	}
	n := strings.Index(sc.s[sc.i+2:], "%]")
	if n < 0 {
		panic(errorf(col, "unterminated token"))
	}
	name := sc.s[sc.i+2 : sc.i+2+n]
	sc.i += n + 4
	kind := kindOfToken(name)
	if kind == unknownToken {
		panic(errorf(col, "unknown token [%%%s%%]", shorten(name)))
	}
	return name, kind, col
}

// parseTokenLit parses a string token that contains "[%": one token, then for a date token
// any number of `+ N * [%XLength%]` or `- [%XLength%]` terms. Whitespace around the parts is
// ignored; any other text is an error.
func parseTokenLit(t token) *TokenLit {
	sc := &tokenScanner{s: t.val, col0: t.col + 1}
	sc.skipSpace()
	name, kind, col := sc.token("'[%'")
	if kind == lengthToken {
		panic(errorf(col, "[%%%s%%] is only allowed in date arithmetic", name))
	}
	lit := &TokenLit{Col: t.col, Token: name}
	for {
		sc.skipSpace()
		if sc.i == len(sc.s) {
			return lit
		}
		if c := sc.s[sc.i]; c != '+' && c != '-' {
			if kind == dateToken {
				panic(sc.unexpected("'+', '-' or end of string"))
			}
			panic(sc.unexpected("end of string"))
		}
		if kind != dateToken {
			panic(errorf(sc.col(), "arithmetic is only allowed after a date token"))
		}
		term := DurationTerm{Col: sc.col(), Sign: 1, Count: 1}
		if sc.s[sc.i] == '-' {
			term.Sign = -1
		}
		sc.i++
		sc.skipSpace()
		want := "number or duration token"
		if start := sc.i; sc.i < len(sc.s) && isDigit(sc.s[sc.i]) {
			sc.i = skipDigits(sc.s, sc.i)
			n, err := strconv.ParseInt(sc.s[start:sc.i], 10, 64)
			if err != nil {
				panic(errorf(sc.col0+utf8.RuneCountInString(sc.s[:start]), "number %s is too large", shorten(sc.s[start:sc.i])))
			}
			term.Count = n
			sc.skipSpace()
			if sc.i == len(sc.s) || sc.s[sc.i] != '*' {
				panic(sc.unexpected("'*'"))
			}
			sc.i++
			sc.skipSpace()
			want = "duration token"
		}
		unit, ukind, ucol := sc.token(want)
		if ukind != lengthToken {
			panic(errorf(ucol, "expected a duration token such as [%%DayLength%%] but found [%%%s%%]", unit))
		}
		term.Unit = unit
		lit.Terms = append(lit.Terms, term)
	}
}
