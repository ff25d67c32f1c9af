package xpath

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokenClass uint8

const (
	unknownToken tokenClass = iota
	objectToken             // CurrentUser, UserRole_NAME: yields an object
	dateToken               // CurrentDateTime, BeginOf…, EndOf…: yields an instant
	lengthToken             // SecondLength … YearLength: only inside date arithmetic
)

var tokenClasses = func() map[string]tokenClass {
	m := map[string]tokenClass{"CurrentUser": objectToken}
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

func classifyToken(name string) tokenClass {
	if role, ok := strings.CutPrefix(name, "UserRole_"); ok && isName(role) {
		return objectToken
	}
	return tokenClasses[name]
}

// tokenScanner reads the text of a string that contains "[%". It works on the value with
// doubled quotes undone; columns stay exact up to the first quote character, which is never
// valid in a token string, so every error is reported at the right column.
type tokenScanner struct {
	s       string
	i       int
	mark    int // position that markCol belongs to; positions only move forward
	markCol int
}

// col returns the column of position i, counting only the runes since the previous call so
// that a long chain of terms stays linear.
func (sc *tokenScanner) col() int {
	sc.markCol += utf8.RuneCountInString(sc.s[sc.mark:sc.i])
	sc.mark = sc.i
	return sc.markCol
}

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

// readToken reads `[%Name%]` at the current position and returns the name, its class and column.
func (sc *tokenScanner) readToken(want string) (string, tokenClass, int) {
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
	class := classifyToken(name)
	if class == unknownToken {
		panic(errorf(col, "unknown token [%%%s%%]", shorten(name)))
	}
	return name, class, col
}

// parseTokenLit parses a string token that contains "[%": one token, then for a date token
// any number of `+ N * [%XLength%]` or `- [%XLength%]` terms. Whitespace around the parts is
// ignored; any other text is an error.
func parseTokenLit(t token) *TokenLit {
	sc := &tokenScanner{s: t.val, markCol: t.col + 1}
	sc.skipSpace()
	name, class, col := sc.readToken("'[%'")
	if class == lengthToken {
		panic(errorf(col, "[%%%s%%] is only allowed in date arithmetic", name))
	}
	lit := &TokenLit{Col: t.col, Token: name}
	for {
		sc.skipSpace()
		if sc.i == len(sc.s) {
			return lit
		}
		if c := sc.s[sc.i]; c != '+' && c != '-' {
			if class == dateToken {
				panic(sc.unexpected("'+', '-' or end of string"))
			}
			panic(sc.unexpected("end of string"))
		}
		if class != dateToken {
			panic(errorf(sc.col(), "arithmetic is only allowed after a date token"))
		}
		term := DurationTerm{Col: sc.col(), Sign: 1, Count: 1}
		if sc.s[sc.i] == '-' {
			term.Sign = -1
		}
		sc.i++
		sc.skipSpace()
		want := "number or duration token"
		if start, col := sc.i, sc.col(); sc.i < len(sc.s) && isDigit(sc.s[sc.i]) {
			sc.i = skipDigits(sc.s, sc.i)
			n, err := strconv.ParseInt(sc.s[start:sc.i], 10, 64)
			if err != nil {
				panic(errorf(col, "number %s is too large", shorten(sc.s[start:sc.i])))
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
		unit, uclass, ucol := sc.readToken(want)
		if uclass != lengthToken {
			panic(errorf(ucol, "expected a duration token such as [%%DayLength%%] but found [%%%s%%]", unit))
		}
		term.Unit = unit
		lit.Terms = append(lit.Terms, term)
	}
}
