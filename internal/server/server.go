// Package server is Rampart's HTTP API (http-api.md): sessions and sign-in,
// the generic object API, page operations and user management, all through
// the security engine.
package server

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// Modes of `rampart run`.
const (
	Development = "development"
	Production  = "production"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Config is what a server serves.
type Config struct {
	App            *model.App
	Store          *store.Store
	Engine         *security.Engine
	Identity       *identity.Service
	Mode           string
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// Extra, when set, serves the web client's routes (pages, static files).
	Extra func(mux *http.ServeMux)
	// Now is the clock of the rate limiter (default time.Now).
	Now func() time.Time
}

// Server is the HTTP API of one app.
type Server struct {
	cfg     Config
	app     *model.App
	eng     *security.Engine
	id      *identity.Service
	log     *slog.Logger
	mux     *http.ServeMux
	limiter *limiter
	cop     *http.CrossOriginProtection
}

// New makes the server.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, app: cfg.App, eng: cfg.Engine, id: cfg.Identity, log: cfg.Logger, mux: http.NewServeMux()}
	rl := cfg.App.Security.SignInRate
	s.limiter = newLimiter(rl.PerMinute, rl.Burst)
	s.cop = http.NewCrossOriginProtection()
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: http.StatusForbidden, code: "csrf_failed", msg: "cross-origin request refused"})
	}))
	s.routes()
	if cfg.Extra != nil {
		cfg.Extra(s.mux)
	}
	return s
}

// apiError is an answer other than success.
type apiError struct {
	status  int
	code    string
	msg     string
	details any
	header  map[string]string
}

func (e *apiError) Error() string { return e.msg }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

var (
	errNotFound      = errf(http.StatusNotFound, "not_found", "not found")
	errNotAuth       = errf(http.StatusUnauthorized, "not_authenticated", "sign in first")
	errBadCredential = errf(http.StatusUnauthorized, "invalid_credentials", "the user name or password is wrong, or the account is locked or inactive; repeated failures lock an account for a while")
)

func writeError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	details := e.details
	if details == nil {
		details = []any{}
	}
	writeJSON(w, e.status, map[string]any{"error": map[string]any{"code": e.code, "message": e.msg, "details": details}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if status == http.StatusNoContent {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// req is one request in flight.
type req struct {
	w       http.ResponseWriter
	r       *http.Request
	sess    *identity.Session
	token   string
	caller  security.Caller
	user    *userInfo
	cookie  bool // authenticated by the session cookie
	status  int
	started time.Time
}

// userInfo is the signed-in user as the API shows it.
type userInfo struct {
	ID        int64
	Name      string
	Roles     []*model.UserRole
	Anonymous bool
	Demo      bool
}

// handler is an API handler: it answers, or returns an error to answer.
type handler func(q *req) error

// route registers an API route. need says whether a session is required.
func (s *Server) route(pattern string, needSession bool, h handler) {
	s.mux.Handle(pattern, s.wrap(pattern, needSession, h))
}

func (s *Server) wrap(pattern string, needSession bool, h handler) http.Handler {
	startsSession := strings.HasSuffix(pattern, "/api/v1/login") || strings.HasSuffix(pattern, "/login}") || strings.Contains(pattern, "/demo-users/{name}/login")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &req{w: w, r: r, started: time.Now()}
		err := s.serve(q, needSession, startsSession, h)
		if err != nil {
			s.fail(q, err)
		}
	})
}

// serve runs the checks of http-api.md in their order, then h.
func (s *Server) serve(q *req, needSession, startsSession bool, h handler) error {
	r := q.r
	if r.ContentLength > MaxBody {
		return errf(http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than 1 MiB")
	}
	if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
		// The size is not announced (chunked): read the body now, so that
		// 413 comes before the other checks.
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			return errf(http.StatusBadRequest, "bad_request", "cannot read the request body")
		}
		if len(b) > MaxBody {
			return errf(http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than 1 MiB")
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	r.Body = http.MaxBytesReader(q.w, r.Body, MaxBody)
	if err := s.cop.Check(r); err != nil {
		return errf(http.StatusForbidden, "csrf_failed", "cross-origin request refused")
	}
	if err := s.lookupSession(q); err != nil {
		return err
	}
	unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
	if unsafe && q.cookie && !startsSession {
		got := r.Header.Get("X-Csrf-Token")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(q.sess.CSRF)) != 1 {
			s.log.Warn("csrf check failed", "route", r.Pattern, "user", q.sess.UserID)
			return errf(http.StatusForbidden, "csrf_failed", "missing or wrong X-Csrf-Token header")
		}
	}
	if needSession && q.sess == nil && s.app.Security.Level != model.LevelOff {
		return errNotAuth
	}
	return h(q)
}

// fail answers with an error; unexpected ones are logged with an id and
// never shown.
func (s *Server) fail(q *req, err error) {
	var ae *apiError
	var fb *security.Forbidden
	var br *security.BadRequest
	var ve *store.ValidationError
	var ce *store.ConflictError
	var pe *identity.PolicyError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, security.ErrNotFound), errors.Is(err, store.ErrNotFound):
		ae = errNotFound
	case errors.As(err, &fb):
		s.log.Info("access denied", "route", q.r.Pattern, "user", q.userID(), "reason", fb.Msg)
		ae = errf(http.StatusForbidden, "access_denied", "%s", fb.Msg)
	case errors.As(err, &br):
		ae = errf(http.StatusBadRequest, "bad_request", "%s", br.Msg)
	case errors.As(err, &ve):
		ae = errf(http.StatusUnprocessableEntity, "validation_failed", "some values are not valid")
		ae.details = ve.Details
	case errors.As(err, &pe):
		ae = errf(http.StatusUnprocessableEntity, "password_policy", "the password does not satisfy the password policy")
		ae.details = pe.Failures
	case errors.As(err, &ce):
		ae = errf(http.StatusConflict, "conflict", "%s", ce.Msg)
	case errors.As(err, &mbe):
		ae = errf(http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than 1 MiB")
	default:
		id := rand.Text()[:10]
		s.log.Error("internal error", "request", id, "route", q.r.Pattern, "error", err.Error())
		ae = errf(http.StatusInternalServerError, "internal", "something went wrong on the server (request %s)", id)
	}
	q.status = ae.status
	writeError(q.w, ae)
}

func (q *req) userID() int64 {
	if q.sess == nil {
		return 0
	}
	return q.sess.UserID
}

// secure reports whether the request came over HTTPS, directly or through
// a trusted proxy.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	peer, ok := peerAddr(r)
	return ok && s.trusted(peer)
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// clientAddr is the peer, or the right-most X-Forwarded-For entry that is
// not a trusted proxy when the peer is one.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	peer, ok := peerAddr(r)
	if !ok || !s.trusted(peer) {
		return peer
	}
	parts := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		a, err := forwardedAddr(strings.TrimSpace(parts[i]))
		if err != nil {
			return peer
		}
		if !s.trusted(a.Unmap()) {
			return a.Unmap()
		}
	}
	return peer
}

// ServeHTTP serves the API with JSON answers for unknown routes and
// methods, and logs one line per request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h, pattern := s.mux.Handler(r)
	if s.routeOff(r.URL.Path) {
		// A route that is off is an unknown route, whatever the method,
		// before any other check (http-api.md).
		pattern = ""
		writeError(rec, errNotFound)
	} else if pattern == "" {
		// The mux's own 404 or 405: answer in the JSON error shape.
		probe := &statusWriter{ResponseWriter: discard{header: http.Header{}}, status: http.StatusOK}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			rec.Header().Set("Allow", probe.Header().Get("Allow"))
			writeError(rec, errf(http.StatusMethodNotAllowed, "method_not_allowed", "method %s is not allowed here", r.Method))
		} else {
			writeError(rec, errNotFound)
		}
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	s.log.Info("request", "method", r.Method, "route", pattern, "status", rec.status, "duration", time.Since(start).Round(time.Microsecond).String(), "user", rec.user)
}

// routeOff reports paths whose routes are off: the demo-user calls in
// production mode or with demo users disabled, and sign-in and sign-out at
// security level off.
func (s *Server) routeOff(path string) bool {
	switch {
	case path == "/api/v1/demo-users",
		strings.HasPrefix(path, "/api/v1/demo-users/") && strings.HasSuffix(path, "/login") && strings.Count(path, "/") == 5:
		return !s.demoUsersOn()
	case path == "/api/v1/login", path == "/api/v1/logout":
		return s.app.Security.Level == model.LevelOff
	}
	return false
}

type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
	user    int64
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// forwardedAddr reads an X-Forwarded-For entry: an address, possibly with a
// port ("1.2.3.4:5555", "[2001:db8::1]:443") as some proxies write it.
func forwardedAddr(entry string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(entry); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(entry)
	return ap.Addr(), err
}
