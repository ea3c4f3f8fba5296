package auth

import "net/http"

// userAgent sets the User-Agent of every request that has none of its own.
type userAgent struct {
	name string
	base http.RoundTripper // nil: http.DefaultTransport
}

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	base := u.base
	if base == nil {
		base = http.DefaultTransport
	}
	if r.Header.Get("User-Agent") == "" {
		// A RoundTripper must not change the caller's request.
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", u.name)
	}
	return base.RoundTrip(r)
}
