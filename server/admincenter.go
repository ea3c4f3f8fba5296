package server

import "net/http"

const (
	adminCenterClientID = "walkme-admin-center"
	adminCallbackPath   = "/admin/callback"
)

func (s *Server) adminCenterRoutes(m *http.ServeMux) {}
