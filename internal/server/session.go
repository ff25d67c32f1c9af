package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

const (
	cookiePlain  = "rampart-session"
	cookieSecure = "__Host-rampart-session"
)

func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return cookieSecure
	}
	return cookiePlain
}

// lookupSession finds the request's session: only the cookie name that
// matches the scheme is read; an unknown or expired cookie counts as none
// and is cleared.
func (s *Server) lookupSession(q *req) error {
	c, err := q.r.Cookie(s.cookieName(q.r))
	if err != nil || c.Value == "" {
		return nil
	}
	sess, err := s.id.Lookup(q.r.Context(), c.Value)
	if err != nil {
		return err
	}
	if sess == nil {
		s.clearCookie(q)
		return nil
	}
	rec, err := s.id.User(q.r.Context(), sess.UserID)
	if err != nil {
		return err
	}
	if rec == nil || !rec.Active && !rec.Anonymous {
		s.clearCookie(q)
		return nil
	}
	q.sess, q.token, q.cookie = sess, c.Value, true
	q.user = &userInfo{ID: rec.ID, Name: rec.Name, Roles: rec.Roles, Anonymous: rec.Anonymous, Demo: rec.Demo}
	q.caller = security.User(rec.ID, rec.Roles, rec.Anonymous)
	if sw, ok := q.w.(*statusWriter); ok {
		sw.user = rec.ID
	}
	return nil
}

func (s *Server) setCookie(q *req, token string) {
	sameSite := http.SameSiteStrictMode
	switch s.app.Security.Session.SameSite {
	case "Lax":
		sameSite = http.SameSiteLaxMode
	case "None":
		sameSite = http.SameSiteLaxMode // None needs Secure; over HTTPS below
	}
	secure := s.secure(q.r)
	if secure && s.app.Security.Session.SameSite == "None" {
		sameSite = http.SameSiteNoneMode
	}
	http.SetCookie(q.w, &http.Cookie{Name: s.cookieName(q.r), Value: token, Path: "/", HttpOnly: true, Secure: secure, SameSite: sameSite})
}

func (s *Server) clearCookie(q *req) {
	http.SetCookie(q.w, &http.Cookie{Name: s.cookieName(q.r), Value: "", Path: "/", HttpOnly: true, Secure: s.secure(q.r), MaxAge: -1, SameSite: http.SameSiteStrictMode})
}

// decode reads a JSON body into v; anything else is a 400.
func decode(q *req, v any) error {
	body, err := io.ReadAll(q.r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errf(http.StatusBadRequest, "bad_request", "cannot read the request body")
	}
	dec := json.NewDecoder(bytesReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errf(http.StatusBadRequest, "bad_request", "the body is not the JSON this call takes: %s", jsonProblem(err))
	}
	if dec.More() {
		return errf(http.StatusBadRequest, "bad_request", "the body holds more than one JSON value")
	}
	return nil
}

// userJSON is USER of http-api.md.
func userJSON(u *userInfo) map[string]any {
	roles := []string{}
	for _, r := range u.Roles {
		roles = append(roles, r.Name)
	}
	return map[string]any{"id": idString(u.ID), "name": u.Name, "roles": roles, "anonymous": u.Anonymous}
}

// signInLimited applies the per-address sign-in rate limit.
func (s *Server) signInLimited(q *req) error {
	ok, wait := s.limiter.allow(s.clientAddr(q.r), s.cfg.Now())
	if ok {
		return nil
	}
	e := errf(http.StatusTooManyRequests, "rate_limited", "too many sign-in attempts; try again in %d seconds", retryAfter(wait))
	e.header = map[string]string{"Retry-After": strconv.Itoa(retryAfter(wait))}
	s.log.Warn("sign-in rate limited", "client", s.clientAddr(q.r).String())
	return e
}

// startSession signs q in as user id: a new session id, the cookie, and an
// anonymous session that was there ends at once.
func (s *Server) startSession(q *req, id int64) error {
	ctx := q.r.Context()
	if q.sess != nil {
		if err := s.id.Logout(ctx, q.sess); err != nil {
			return err
		}
	}
	token, sess, err := s.id.StartSession(ctx, id, false)
	if err != nil {
		return err
	}
	rec, err := s.id.User(ctx, id)
	if err != nil {
		return err
	}
	s.setCookie(q, token)
	if sw, ok := q.w.(*statusWriter); ok {
		sw.user = id
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"user": userJSON(&userInfo{ID: rec.ID, Name: rec.Name, Roles: rec.Roles}), "csrfToken": sess.CSRF})
	return nil
}

func (s *Server) login(q *req) error {
	if s.app.Security.Level == model.LevelOff {
		return errNotFound
	}
	// Every POST counts toward the rate limit, a malformed one too.
	if err := s.signInLimited(q); err != nil {
		return err
	}
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(q, &body); err != nil {
		return err
	}
	id, err := s.id.SignIn(q.r.Context(), body.Username, body.Password)
	if errors.Is(err, identity.ErrInvalidCredentials) {
		return errBadCredential
	}
	if err != nil {
		return err
	}
	return s.startSession(q, id)
}

func (s *Server) logout(q *req) error {
	if s.app.Security.Level == model.LevelOff {
		return errNotFound
	}
	if err := s.id.Logout(q.r.Context(), q.sess); err != nil {
		return err
	}
	s.clearCookie(q)
	writeJSON(q.w, http.StatusNoContent, nil)
	return nil
}

func (s *Server) session(q *req) error {
	base := map[string]any{"securityLevel": string(s.app.Security.Level), "mode": s.cfg.Mode}
	if s.app.Security.Level == model.LevelOff {
		base["user"], base["csrfToken"] = nil, nil
		writeJSON(q.w, http.StatusOK, base)
		return nil
	}
	if q.sess == nil {
		if !s.app.Security.Anonymous.Enabled || s.app.Security.Anonymous.Role == nil {
			return errNotAuth
		}
		token, sess, err := s.id.StartAnonymous(q.r.Context())
		if err != nil {
			return err
		}
		rec, err := s.id.User(q.r.Context(), sess.UserID)
		if err != nil {
			return err
		}
		s.setCookie(q, token)
		q.sess, q.user = sess, &userInfo{ID: rec.ID, Name: rec.Name, Roles: rec.Roles, Anonymous: true}
	}
	base["user"], base["csrfToken"] = userJSON(q.user), q.sess.CSRF
	writeJSON(q.w, http.StatusOK, base)
	return nil
}

func (s *Server) changePassword(q *req) error {
	if s.app.Security.Level == model.LevelOff {
		return errNotFound
	}
	if err := s.signInLimited(q); err != nil {
		return err
	}
	var body struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decode(q, &body); err != nil {
		return err
	}
	ctx := q.r.Context()
	if q.user.Anonymous {
		return errf(http.StatusForbidden, "access_denied", "anonymous users have no password")
	}
	if !s.id.CheckPassword(ctx, q.sess.UserID, body.Current) {
		return errf(http.StatusForbidden, "invalid_credentials", "the current password is wrong")
	}
	if err := s.id.SetPassword(ctx, q.sess.UserID, body.New, q.sess); err != nil {
		return err
	}
	s.log.Info("user changed", "event", "own password changed", "user", q.sess.UserID)
	writeJSON(q.w, http.StatusNoContent, nil)
	return nil
}

func (s *Server) demoUsersOn() bool {
	return s.cfg.Mode == Development && s.app.Security.DemoUsers.Enabled && s.app.Security.Level != model.LevelOff
}

func (s *Server) demoUsers(q *req) error {
	if !s.demoUsersOn() {
		return errNotFound
	}
	out := []any{}
	for _, du := range s.app.Security.DemoUsers.Users {
		roles := []string{}
		for _, r := range du.Roles {
			roles = append(roles, r.Name)
		}
		out = append(out, map[string]any{"name": du.Name, "roles": roles})
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}

func (s *Server) demoLogin(q *req) error {
	if !s.demoUsersOn() {
		return errNotFound
	}
	if err := s.signInLimited(q); err != nil {
		return err
	}
	ctx := q.r.Context()
	id, err := s.id.DemoUser(ctx, q.r.PathValue("name"))
	if err != nil {
		return err
	}
	if id == 0 {
		return errNotFound
	}
	rec, err := s.id.User(ctx, id)
	if err != nil {
		return err
	}
	if rec == nil || !rec.Active || rec.Blocked {
		return errBadCredential
	}
	s.log.Info("sign-in", "user", id, "demo", true)
	return s.startSession(q, id)
}

func (s *Server) navigation(q *req) error {
	nav := s.app.Navigation
	caller := q.caller
	can := func(p *model.Page) bool { return p != nil && s.eng.CanOpen(caller, p) }
	var home any
	if q.user != nil {
		for _, ur := range q.user.Roles {
			for _, rh := range nav.RoleHomes {
				if rh.Role == ur && can(rh.Page.Page) && home == nil {
					home = rh.Page.Name
				}
			}
		}
	}
	if home == nil && nav.Home != nil && can(nav.Home.Page) {
		home = nav.Home.Name
	}
	var menu func(items []*model.MenuItem) []any
	menu = func(items []*model.MenuItem) []any {
		out := []any{}
		for _, it := range items {
			if it.Page != nil {
				if can(it.Page.Page) {
					out = append(out, map[string]any{"caption": it.Caption, "page": it.Page.Name})
				}
				continue
			}
			if sub := menu(it.Items); len(sub) > 0 {
				out = append(out, map[string]any{"caption": it.Caption, "items": sub})
			}
		}
		return out
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"home": home, "menu": menu(nav.Menu)})
	return nil
}
