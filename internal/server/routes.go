package server

import (
	"context"
	"net/http"
)

func (s *Server) routes() {
	// Calls that need no session.
	s.route("POST /api/v1/login", false, s.login)
	s.route("GET /api/v1/session", false, s.session)
	s.route("GET /api/v1/demo-users", false, s.demoUsers)
	s.route("POST /api/v1/demo-users/{name}/login", false, s.demoLogin)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)

	s.route("POST /api/v1/logout", true, s.logout)
	s.route("POST /api/v1/session/password", true, s.changePassword)
	s.route("GET /api/v1/navigation", true, s.navigation)

	s.route("GET /api/v1/objects/{entity}", true, s.listObjects)
	s.route("POST /api/v1/objects/{entity}", true, s.createObject)
	s.route("GET /api/v1/objects/{entity}/{id}", true, s.getObject)
	s.route("PATCH /api/v1/objects/{entity}/{id}", true, s.updateObject)
	s.route("DELETE /api/v1/objects/{entity}/{id}", true, s.deleteObject)

	s.route("POST /api/v1/ops/{page}/{op}", true, s.operation)

	s.route("GET /api/v1/users", true, s.listUsers)
	s.route("POST /api/v1/users", true, s.createUser)
	s.route("PATCH /api/v1/users/{id}", true, s.updateUser)
	s.route("DELETE /api/v1/users/{id}", true, s.deleteUser)

	// Anything else under /api is an unknown route, answered in JSON.
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2e9)
	defer cancel()
	if err := s.cfg.Store.DB.PingContext(ctx); err != nil {
		writeError(w, errf(http.StatusServiceUnavailable, "not_ready", "the store is not reachable"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}
