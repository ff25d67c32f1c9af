// Package web is the browser client: server-rendered pages under a strict
// Content Security Policy.
package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/runtime"
)

// Mount adds the web client's routes. Until the client lands, the root
// says where the API is.
func Mount(rt *runtime.Runtime, mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write([]byte("Rampart is running. The HTTP API is under /api/v1 (see docs/http-api.md).\n"))
	})
}
