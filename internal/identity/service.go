package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// ErrInvalidCredentials is the one answer to every failed sign-in.
var ErrInvalidCredentials = errors.New("invalid user name or password")

// Service signs users in and keeps their sessions.
type Service struct {
	app *model.App
	st  *store.Store
	eng *security.Engine
	now func() time.Time
	log *slog.Logger

	user *model.Entity
	col  map[string]string // System.User member -> column
	tbl  string
}

// New makes the identity service and creates its tables.
func New(ctx context.Context, app *model.App, st *store.Store, eng *security.Engine, log *slog.Logger) (*Service, error) {
	s := &Service{app: app, st: st, eng: eng, now: time.Now, log: log, user: app.Entity(model.SystemUser), col: map[string]string{}}
	s.tbl = schema.Quote(st.Map.Table(s.user).Name)
	for _, m := range s.user.Members() {
		if m.Attribute != nil {
			s.col[m.Name] = schema.Quote(st.Map.AttrColumn(m.Attribute).Name)
			if f := st.Map.FoldColumn(m.Attribute); f != nil {
				s.col[m.Name+"$fold"] = schema.Quote(f.Name)
			}
		}
	}
	err := st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS rampart_sessions (
			token_hash TEXT PRIMARY KEY,
			user_id BIGINT NOT NULL,
			csrf TEXT NOT NULL,
			anonymous BIGINT NOT NULL,
			created_ms BIGINT NOT NULL,
			last_active_ms BIGINT NOT NULL)`)
		if err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `CREATE INDEX IF NOT EXISTS rampart_sessions_user ON rampart_sessions (user_id)`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS rampart_demo_users (user_id BIGINT PRIMARY KEY)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("identity: creating the session table: %w", err)
	}
	eng.SetHooks(security.Hooks{
		HashSecret: s.hashSecret,
		UserChanged: func(ctx context.Context, tx *store.Tx, userID int64) error {
			return s.EndSessions(ctx, tx, userID, "")
		},
	})
	return s, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// hashSecret hashes a HashString value; System.User's Password must also
// satisfy the policy.
func (s *Service) hashSecret(m *model.Member, userName, plain string) (string, error) {
	if m.Attribute.Entity == s.user && m.Name == "Password" {
		if err := CheckPolicy(s.app.Security.PasswordPolicy, userName, plain); err != nil {
			return "", err
		}
	}
	return Hash(s.app.Security.HashAlgorithm, plain)
}

// userRow is what sign-in needs of a user.
type userRow struct {
	id              int64
	hash            sql.NullString
	active, blocked bool
	anonymous       bool
	blockedSince    sql.NullInt64
	failed          sql.NullInt64
	name            string
}

func (s *Service) boolean(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	return false
}

// findUser looks a user up by name, ignoring case.
func (s *Service) findUser(ctx context.Context, tx *store.Tx, name string) (*userRow, error) {
	var u userRow
	var active, blocked, anon any
	err := tx.QueryRow(ctx, `SELECT id, `+s.col["Name"]+`, `+s.col["Password"]+`, `+s.col["Active"]+`, `+s.col["Blocked"]+`, `+s.col["BlockedSince"]+`, `+s.col["FailedLogins"]+`, `+s.col["IsAnonymous"]+
		` FROM `+s.tbl+` WHERE `+s.col["Name$fold"]+` = ?`, xpath.Fold(name)).
		Scan(&u.id, &u.name, &u.hash, &active, &blocked, &u.blockedSince, &u.failed, &anon)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u.active, u.blocked, u.anonymous = s.boolean(active), s.boolean(blocked), s.boolean(anon)
	return &u, nil
}

// SignIn checks a user name and password. Every refusal is
// ErrInvalidCredentials and costs about one password check.
func (s *Service) SignIn(ctx context.Context, name, password string) (int64, error) {
	alg := s.app.Security.HashAlgorithm
	var u *userRow
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = s.findUser(ctx, tx, name)
		return err
	})
	if err != nil {
		return 0, err
	}
	if u == nil || !u.active || u.anonymous || !u.hash.Valid {
		VerifyDummy(alg)
		s.log.Info("sign-in failed", "reason", "unknown or inactive user")
		return 0, ErrInvalidCredentials
	}
	lock := s.app.Security.Lockout
	production := s.app.Security.Level == model.LevelProduction
	if u.blocked {
		expired := u.blockedSince.Valid && lock.Duration > 0 && s.now().UnixMilli()-u.blockedSince.Int64 >= lock.Duration.Milliseconds()
		if !expired {
			VerifyDummy(alg)
			s.log.Info("sign-in failed", "reason", "blocked", "user", u.id)
			return 0, ErrInvalidCredentials
		}
		if err := s.unblock(ctx, u.id); err != nil {
			return 0, err
		}
	}
	ok, upgrade := Verify(alg, u.hash.String, password)
	if !ok {
		if production && lock.Attempts > 0 {
			if err := s.countFailure(ctx, u.id); err != nil {
				return 0, err
			}
		}
		s.log.Info("sign-in failed", "reason", "wrong password", "user", u.id)
		return 0, ErrInvalidCredentials
	}
	// Success only if the user was not blocked meanwhile (a parallel
	// failure may just have locked the account).
	var newHash any
	if upgrade {
		if h, err := Hash(alg, password); err == nil {
			newHash = h
		}
	}
	var updated bool
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		q := `UPDATE ` + s.tbl + ` SET ` + s.col["FailedLogins"] + ` = 0, ` + s.col["LastLogin"] + ` = ?`
		args := []any{s.now().UnixMilli()}
		if newHash != nil {
			q += `, ` + s.col["Password"] + ` = ?`
			args = append(args, newHash)
		}
		q += ` WHERE id = ? AND ` + s.col["Blocked"] + ` = ? AND ` + s.col["Active"] + ` = ?`
		args = append(args, u.id, s.st.Dialect.BoolArg(false), s.st.Dialect.BoolArg(true))
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		updated = n == 1
		return err
	})
	if err != nil {
		return 0, err
	}
	if !updated {
		s.log.Info("sign-in failed", "reason", "blocked meanwhile", "user", u.id)
		return 0, ErrInvalidCredentials
	}
	s.log.Info("sign-in", "user", u.id)
	return u.id, nil
}

// countFailure adds one failed sign-in atomically and blocks the user at
// the limit; attempts on a blocked user change nothing.
func (s *Service) countFailure(ctx context.Context, id int64) error {
	return s.st.Write(ctx, func(tx *store.Tx) error {
		var n int64
		err := tx.QueryRow(ctx, `UPDATE `+s.tbl+` SET `+s.col["FailedLogins"]+` = COALESCE(`+s.col["FailedLogins"]+`, 0) + 1 WHERE id = ? AND `+s.col["Blocked"]+` = ? RETURNING `+s.col["FailedLogins"],
			id, s.st.Dialect.BoolArg(false)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if n >= int64(s.app.Security.Lockout.Attempts) {
			_, err = tx.Exec(ctx, `UPDATE `+s.tbl+` SET `+s.col["Blocked"]+` = ?, `+s.col["BlockedSince"]+` = ? WHERE id = ?`,
				s.st.Dialect.BoolArg(true), s.now().UnixMilli(), id)
			s.log.Warn("user locked out", "user", id, "failures", n)
		}
		return err
	})
}

// unblock lifts a lockout.
func (s *Service) unblock(ctx context.Context, id int64) error {
	return s.st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE `+s.tbl+` SET `+s.col["Blocked"]+` = ?, `+s.col["FailedLogins"]+` = 0, `+s.col["BlockedSince"]+` = NULL WHERE id = ?`,
			s.st.Dialect.BoolArg(false), id)
		return err
	})
}

// Session is a signed-in (or anonymous) session.
type Session struct {
	UserID    int64
	CSRF      string
	Anonymous bool
	tokenHash string
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// randomToken is 256 bits from the CSPRNG, base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartSession creates a session for a user and returns its token. With
// multiplePerUser off, the user's other sessions end.
func (s *Service) StartSession(ctx context.Context, userID int64, anonymous bool) (token string, sess *Session, err error) {
	token = randomToken()
	sess = &Session{UserID: userID, CSRF: randomToken(), Anonymous: anonymous, tokenHash: tokenHash(token)}
	now := s.now().UnixMilli()
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if !s.app.Security.Session.MultiplePerUser {
			if err := s.EndSessions(ctx, tx, userID, ""); err != nil {
				return err
			}
		}
		anon := int64(0)
		if anonymous {
			anon = 1
		}
		_, err := tx.Exec(ctx, `INSERT INTO rampart_sessions (token_hash, user_id, csrf, anonymous, created_ms, last_active_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			sess.tokenHash, userID, sess.CSRF, anon, now, now)
		return err
	})
	return token, sess, err
}

// Lookup finds the live session of a token; an unknown or expired token
// gives nil. Expired sessions are removed at once.
func (s *Service) Lookup(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, nil
	}
	h := tokenHash(token)
	var sess Session
	var anon, created, last int64
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT user_id, csrf, anonymous, created_ms, last_active_ms FROM rampart_sessions WHERE token_hash = ?`, h).
			Scan(&sess.UserID, &sess.CSRF, &anon, &created, &last)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sess.Anonymous, sess.tokenHash = anon != 0, h
	cfg := s.app.Security.Session
	now := s.now().UnixMilli()
	if now-last > s.idleLimit() || now-created > cfg.AbsoluteTimeout.Milliseconds() {
		return nil, s.endSession(ctx, &sess)
	}
	if now-last >= s.activeEvery() {
		err := s.st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE rampart_sessions SET last_active_ms = ? WHERE token_hash = ?`, now, h)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return &sess, nil
}

// activeEvery is the granularity of LastActive writes: max(1s, timeout/10).
func (s *Service) activeEvery() int64 {
	return max(1000, s.app.Security.Session.Timeout.Milliseconds()/10)
}

// idleLimit is how long after its stored LastActive a session expires: the
// idle timeout plus the write granularity, since activity within the
// granularity is not written. A session may so outlive its idle timeout by
// the granularity (security.md), but never expires before it.
func (s *Service) idleLimit() int64 {
	return s.app.Security.Session.Timeout.Milliseconds() + s.activeEvery()
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sess *Session) error { return s.endSession(ctx, sess) }

// endSession deletes a session; an anonymous session takes its anonymous
// user with it.
func (s *Service) endSession(ctx context.Context, sess *Session) error {
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE token_hash = ?`, sess.tokenHash); err != nil {
			return err
		}
		if sess.Anonymous {
			return s.deleteUser(ctx, tx, sess.UserID)
		}
		return nil
	})
}

// EndSessions ends every session of a user except the one with token hash
// keep ("" ends all).
func (s *Service) EndSessions(ctx context.Context, tx *store.Tx, userID int64, keep string) error {
	_, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
	return err
}

// deleteUser deletes a user object; references to it are cleared.
func (s *Service) deleteUser(ctx context.Context, tx *store.Tx, id int64) error {
	obj, err := s.st.Get(ctx, tx, s.user, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE user_id = ?`, id); err != nil {
		return err
	}
	return s.st.Delete(ctx, tx, []*store.Object{obj})
}

// Sweep removes expired sessions (and their anonymous users) and lifts
// lockouts whose duration has passed. Several instances may run it at once:
// each statement is idempotent.
func (s *Service) Sweep(ctx context.Context) error {
	cfg := s.app.Security.Session
	now := s.now().UnixMilli()
	var expired []Session
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT token_hash, user_id, anonymous FROM rampart_sessions WHERE last_active_ms < ? OR created_ms < ?`,
			now-s.idleLimit(), now-cfg.AbsoluteTimeout.Milliseconds())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sess Session
			var anon int64
			if err := rows.Scan(&sess.tokenHash, &sess.UserID, &anon); err != nil {
				return err
			}
			sess.Anonymous = anon != 0
			expired = append(expired, sess)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for i := range expired {
		if err := s.endSession(ctx, &expired[i]); err != nil {
			return err
		}
	}
	if d := s.app.Security.Lockout.Duration; d > 0 {
		return s.st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE `+s.tbl+` SET `+s.col["Blocked"]+` = ?, `+s.col["FailedLogins"]+` = 0, `+s.col["BlockedSince"]+` = NULL WHERE `+
				s.col["Blocked"]+` = ? AND `+s.col["BlockedSince"]+` IS NOT NULL AND `+s.col["BlockedSince"]+` <= ?`,
				s.st.Dialect.BoolArg(false), s.st.Dialect.BoolArg(true), now-d.Milliseconds())
			return err
		})
	}
	return nil
}
