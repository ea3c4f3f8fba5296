package main_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

// TestTwoInstancesOnRedisCluster: two walkme-sessiond processes behind one
// public URL, sharing a real three-master Redis Cluster. A user signs in
// on A and renews on B; an admin ends that session through A's admin API
// (what the Sessions page does); B refuses the session's tokens at once —
// the next refresh and introspection, with no wait.
func TestTwoInstancesOnRedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t)
	store := []string{"--redis", cluster}
	for _, u := range []struct{ email, admin string }{{"admin@acme.test", "--admin"}, {"user@acme.test", ""}} {
		args := append([]string{"user", "add"}, store...)
		args = append(args, "--account", "acme", "--email", u.email, "--password-stdin")
		if u.admin != "" {
			args = append(args, u.admin)
		}
		if out, errs, code := command(t, "s3cret-passw0rd\n", args...); code != 0 {
			t.Fatalf("user add %s: exit %d %q %q", u.email, code, out, errs)
		}
	}
	const issuer = "http://sso.acme.test" // the load balancer's URL, the same for both
	a := serve(t, append([]string{"--issuer", issuer}, store...)...)
	b := serve(t, append([]string{"--issuer", issuer}, store...)...)
	if a.URL == "" || b.URL == "" {
		t.Fatalf("an instance did not start:\n%s\n%s", a.head, b.head)
	}

	user := signIn(t, a.URL, "user@acme.test")
	renewed := refresh(t, b.URL, user.RefreshToken)
	if renewed.status != http.StatusOK || renewed.RefreshToken == "" {
		t.Fatalf("renewal on B of A's sign-in: %d %s", renewed.status, renewed.Error)
	}
	if !testenv.Active(t, b.URL, renewed.RefreshToken) || !testenv.Active(t, a.URL, renewed.AccessToken) {
		t.Fatal("the renewed session is not active on both instances")
	}

	admin := signIn(t, a.URL, "admin@acme.test")
	var list struct {
		Sessions []struct{ ID, Email string }
	}
	adminCall(t, http.MethodGet, a.URL+"/api/admin/sessions", admin.AccessToken, &list)
	sid := ""
	for _, s := range list.Sessions {
		if s.Email == "user@acme.test" {
			sid = s.ID
		}
	}
	if sid == "" {
		t.Fatalf("A's session list lacks the user's session: %+v", list)
	}
	var ended struct{ Ended int }
	adminCall(t, http.MethodDelete, a.URL+"/api/admin/sessions/"+url.PathEscape(sid), admin.AccessToken, &ended)
	if ended.Ended != 1 {
		t.Fatalf("ending the session on A: %+v", ended)
	}

	// At once, on the other instance.
	if again := refresh(t, b.URL, renewed.RefreshToken); again.status != http.StatusBadRequest || again.Error != "invalid_grant" {
		t.Errorf("refresh on B after the session was ended on A: %d %q, want invalid_grant", again.status, again.Error)
	}
	if testenv.Active(t, b.URL, renewed.RefreshToken) || testenv.Active(t, b.URL, renewed.AccessToken) {
		t.Error("B still calls the ended session's tokens active")
	}
	if !testenv.Active(t, b.URL, admin.AccessToken) {
		t.Error("ending the user's session ended the admin's too")
	}
}

// grant is a /token answer.
type grant struct {
	status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func postToken(t *testing.T, base string, form url.Values) grant {
	t.Helper()
	resp, err := http.PostForm(base+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	g := grant{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
		t.Fatalf("/token: %s, %v", resp.Status, err)
	}
	return g
}

// signIn signs email in as the agent does (authorization code with PKCE),
// through the sign-in form.
func signIn(t *testing.T, base, email string) grant {
	t.Helper()
	return signInWith(t, base, email, rand.Text()+rand.Text()).grant
}

// flow is a sign-in's tokens and the code it exchanged.
type flow struct {
	grant
	code string
}

// signInWith is signIn with a verifier of the test's, and what it saw.
func signInWith(t *testing.T, base, email, verifier string) flow {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	const redirect = "http://127.0.0.1:9/cb"
	q := url.Values{"response_type": {"code"}, "client_id": {"walkme-agent"}, "redirect_uri": {redirect}, "state": {"x"},
		"scope": {"openid email"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(base+"/authorize?"+q.Encode(), url.Values{"email": {email}, "password": {"s3cret-passw0rd"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in of %s: %s Location=%q", email, resp.Status, resp.Header.Get("Location"))
	}
	f := flow{code: loc.Query().Get("code")}
	f.grant = postToken(t, base, url.Values{"grant_type": {"authorization_code"}, "code": {f.code},
		"redirect_uri": {redirect}, "client_id": {"walkme-agent"}, "code_verifier": {verifier}})
	if f.status != http.StatusOK || f.RefreshToken == "" {
		t.Fatalf("code exchange for %s: %d %s %s", email, f.status, f.Error, f.Description)
	}
	return f
}

// refresh renews as the agent does with a product open.
func refresh(t *testing.T, base, token string) grant {
	t.Helper()
	return postToken(t, base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token},
		"client_id": {"walkme-agent"}, "in_use": {"true"}, "idle_seconds": {"0"}})
}

func adminCall(t *testing.T, method, u, token string, into any) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, into) != nil {
		t.Fatalf("%s %s: %s %s", method, u, resp.Status, strings.TrimSpace(string(body)))
	}
}

// TestSentinelLogIsStructured: serve through a real sentinel with
// --log-format json. go-redis's own messages (Sentinel naming the master)
// come out as JSON lines of the service's log like every other, not as bare
// text in between.
func TestSentinelLogIsStructured(t *testing.T) {
	sentinel := redistest.StartSentinel(t)
	store := []string{"--redis", sentinel}
	if out, errs, code := command(t, "s3cret-passw0rd\n", append([]string{"user", "add"}, append(store, "--account", "acme", "--email", "a@acme.test", "--password-stdin")...)...); code != 0 {
		t.Fatalf("user add: exit %d %q %q", code, out, errs)
	}
	srv := serve(t, append([]string{"--log-format", "json"}, store...)...)
	if srv.URL == "" {
		t.Fatalf("serve did not start:\n%s", srv.head)
	}
	signIn(t, srv.URL, "a@acme.test") // the store answers through the sentinel's master
	l, err := srv.stop(t)
	if err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	sawRedis := false
	for _, line := range strings.Split(strings.TrimSpace(srv.head+l), "\n") {
		var v struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
		}
		sawRedis = sawRedis || strings.Contains(v.Msg, "redis: sentinel")
	}
	if !sawRedis {
		t.Errorf("no go-redis Sentinel message in the log:\n%s%s", srv.head, l)
	}
}
