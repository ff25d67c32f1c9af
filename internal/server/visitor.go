package server

import (
	"crypto/subtle"
	"net/http"

	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// Visitor is who sent a request, for the web client's pages.
type Visitor struct {
	Session *identity.Session // nil without a session
	Token   string
	User    *identity.Record
	Caller  security.Caller
}

// Who looks up the request's session as the API does; an unknown or
// expired cookie counts as none and is cleared.
func (s *Server) Who(w http.ResponseWriter, r *http.Request) (*Visitor, error) {
	q := &req{w: w, r: r}
	if err := s.lookupSession(q); err != nil {
		return nil, err
	}
	v := &Visitor{Session: q.sess, Token: q.token, Caller: q.caller}
	if q.sess != nil {
		rec, err := s.id.User(r.Context(), q.sess.UserID)
		if err != nil {
			return nil, err
		}
		v.User = rec
	}
	return v, nil
}

// SignInForm signs a visitor in from the web client's form: the same
// checks as POST /api/v1/login (rate limit, lockout, one answer for every
// refusal). On success it sets the cookie. On refusal it returns the
// API error, whose status tells the reason (401, or 429 with the wait).
func (s *Server) SignInForm(w http.ResponseWriter, r *http.Request, username, password string) (status int, retryAfter string) {
	q := &req{w: w, r: r}
	if err := s.lookupSession(q); err != nil {
		return http.StatusInternalServerError, ""
	}
	if err := s.signInLimited(q); err != nil {
		ae := err.(*apiError)
		return ae.status, ae.header["Retry-After"]
	}
	id, err := s.id.SignIn(r.Context(), username, password)
	if err != nil {
		return http.StatusUnauthorized, ""
	}
	return s.startWebSession(q, id)
}

// DemoSignIn signs in as a demo user (development mode only).
func (s *Server) DemoSignIn(w http.ResponseWriter, r *http.Request, name string) (status int, retryAfter string) {
	q := &req{w: w, r: r}
	if !s.demoUsersOn() {
		return http.StatusNotFound, ""
	}
	if err := s.lookupSession(q); err != nil {
		return http.StatusInternalServerError, ""
	}
	if err := s.signInLimited(q); err != nil {
		ae := err.(*apiError)
		return ae.status, ae.header["Retry-After"]
	}
	id, err := s.id.DemoUser(r.Context(), name)
	if err != nil || id == 0 {
		return http.StatusNotFound, ""
	}
	rec, err := s.id.User(r.Context(), id)
	if err != nil || rec == nil || !rec.Active || rec.Blocked {
		return http.StatusUnauthorized, ""
	}
	return s.startWebSession(q, id)
}

func (s *Server) startWebSession(q *req, id int64) (int, string) {
	ctx := q.r.Context()
	if q.sess != nil {
		if err := s.id.Logout(ctx, q.sess); err != nil {
			return http.StatusInternalServerError, ""
		}
	}
	token, _, err := s.id.StartSession(ctx, id, false)
	if err != nil {
		return http.StatusInternalServerError, ""
	}
	s.setCookie(q, token)
	s.log.Info("sign-in", "user", id, "client", "web")
	return http.StatusOK, ""
}

// SignOut ends the visitor's session and clears the cookie.
func (s *Server) SignOut(w http.ResponseWriter, r *http.Request, v *Visitor) error {
	q := &req{w: w, r: r}
	if v.Session != nil {
		if err := s.id.Logout(r.Context(), v.Session); err != nil {
			return err
		}
	}
	s.clearCookie(q)
	return nil
}

// StartAnonymous gives a visitor an anonymous session when anonymous users
// are enabled.
func (s *Server) StartAnonymous(w http.ResponseWriter, r *http.Request) (*Visitor, error) {
	if !s.app.Security.Anonymous.Enabled || s.app.Security.Anonymous.Role == nil || s.app.Security.Level == model.LevelOff {
		return &Visitor{}, nil
	}
	token, sess, err := s.id.StartAnonymous(r.Context())
	if err != nil {
		return nil, err
	}
	q := &req{w: w, r: r}
	s.setCookie(q, token)
	rec, err := s.id.User(r.Context(), sess.UserID)
	if err != nil {
		return nil, err
	}
	return &Visitor{Session: sess, Token: token, User: rec, Caller: security.User(rec.ID, rec.Roles, true)}, nil
}

// DemoUsersOn reports whether demo users are offered.
func (s *Server) DemoUsersOn() bool { return s.demoUsersOn() }

// CrossOriginOK applies Go's cross-origin protection to a form post.
func (s *Server) CrossOriginOK(r *http.Request) bool { return s.cop.Check(r) == nil }

// SameToken compares a submitted CSRF token with the session's in
// constant time.
func SameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
