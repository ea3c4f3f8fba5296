package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

// binary is the real command, built once.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "walkme-sessiond-test")
	if err != nil {
		panic(err)
	}
	bins, err := testenv.Build(dir, testenv.BuildOptions{}, "walkme-sessiond")
	if err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	binary = bins["walkme-sessiond"]
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func command(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	return testenv.Run(t, cmd)
}

func TestUserAddAndServe(t *testing.T) {
	userAddAndServe(t, "--db", filepath.Join(t.TempDir(), "sessiond.db"))
}

func TestUserAddAndServeOnRedis(t *testing.T) {
	url := redistest.Start(t)
	userAddAndServe(t, "--redis", url, "--redis-prefix", "cmdtest:")
	// It was Redis that held the user and the sign-in's code.
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	if n, err := c.Exists(ctx, "cmdtest:email:admin@acme.test", "cmdtest:account:{acme}").Result(); err != nil || n != 2 {
		t.Errorf("user and account keys: %d %v, want both", n, err)
	}
	if codes, err := c.Keys(ctx, "cmdtest:code:*").Result(); err != nil || len(codes) != 1 {
		t.Errorf("code keys: %q %v, want the sign-in's", codes, err)
	}
}

// userAddAndServe adds an admin, serves, signs in and stops, all with
// the store that storeArgs choose.
func userAddAndServe(t *testing.T, storeArgs ...string) {
	args := append([]string{"user", "add"}, storeArgs...)
	out, errs, code := command(t, "s3cret-passw0rd\n", append(args, "--account", "acme",
		"--email", "admin@acme.test", "--admin", "--password-stdin")...)
	if code != 0 || !strings.Contains(out, "admin@acme.test is an admin of account acme") {
		t.Fatalf("user add: exit %d, %q %q", code, out, errs)
	}

	srv := serve(t, append([]string{"--dev"}, storeArgs...)...)
	if srv.URL == "" {
		t.Fatalf("serve never said where it listens:\n%s", srv.head)
	}
	base := srv.URL
	resp, err := http.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Issuer string }
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if d.Issuer != base {
		t.Errorf("issuer %q, want the listener's URL %q", d.Issuer, base)
	}
	// The user added above can sign in.
	form := strings.NewReader("email=admin%40acme.test&password=s3cret-passw0rd")
	q := "response_type=code&client_id=walkme-agent&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=x" +
		"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Post(base+"/authorize?"+q, "application/x-www-form-urlencoded", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatalf("sign-in: %s Location=%q", resp.Status, resp.Header.Get("Location"))
	}

	l, err := srv.stop(t)
	if err != nil {
		t.Errorf("serve after SIGTERM: %v, want exit 0", err)
	}
	if !strings.Contains(l, "stopped") || strings.Contains(l, "s3cret") {
		t.Errorf("logs lack the shutdown line or contain the password:\n%s", l)
	}
}

func TestBadInvocations(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "--nope"}, "flag provided but not defined"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, "--db FILE or --redis URL is required"},
		{[]string{"serve", "--db", db, "--redis", "redis://127.0.0.1:1/0"}, "mutually exclusive"},
		{[]string{"serve", "--db", db, "--redis-prefix", "x:"}, "need --redis"},
		{[]string{"serve", "--db", db, "--redis-wait-replicas", "1"}, "need --redis"},
		{[]string{"serve", "--redis", "redis://127.0.0.1:1/0", "--redis-wait-replicas", "-1"}, "must be 0 or more"},
		{[]string{"serve", "--redis", "redis://127.0.0.1:1/0", "--redis-wait-timeout", "0s"}, "above 0"},
		{[]string{"user", "add", "--db", db, "--redis", "redis://127.0.0.1:1/0", "--account", "a", "--email", "e@x.y", "--password-stdin"}, "mutually exclusive"},
		{[]string{"user", "add", "--account", "a", "--email", "e@x.y", "--password-stdin"}, "--db FILE or --redis URL is required"},
		{[]string{"user"}, "user needs a subcommand"},
		{[]string{"user", "add", "--db", db, "--account", "a", "--email", "e@x.y"}, "--password-stdin is required"},
		{[]string{"user", "add", "--db", db, "--account", "a", "--password-stdin"}, "--email is required"},
		{[]string{"user", "add", "--db", db, "--account", "a", "--email", "e@x.y", "--password-stdin", "extra"}, "unexpected argument"},
	} {
		_, errs, code := command(t, "password123\n", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	// A short password is not a usage error but still fails, and says why.
	if _, errs, code := command(t, "short\n", "user", "add", "--db", db, "--account", "a", "--email", "e@x.y", "--password-stdin"); code != 1 || !strings.Contains(errs, "at least 8") {
		t.Errorf("short password: exit %d %q", code, errs)
	}
	// An unreachable or malformed Redis fails without showing its password.
	// So do a cluster or Sentinel URL that lacks what it needs, saying what.
	for u, want := range map[string]string{
		"redis://:pw-hunter2@127.0.0.1:1/0":               "redis",
		"redis://:pw-hunter2@[::1/0":                      "redis",
		"redis+sentinel://:pw-hunter2@127.0.0.1:1/0":      "needs ?master_name=NAME",
		"redis+cluster://:pw-hunter2@127.0.0.1:1/2":       "only database 0",
		"redis://:pw-hunter2@127.0.0.1:1/0?addr=x:1":      "need redis+cluster://",
		"redis+cluster://:pw-hunter2@127.0.0.1:1?bogus=1": "unexpected option: bogus",
	} {
		_, errs, code := command(t, "password123\n", "user", "add", "--redis", u, "--account", "a", "--email", "e@x.y", "--password-stdin")
		if code != 1 || strings.Contains(errs, "hunter2") || !strings.Contains(errs, want) {
			t.Errorf("bad redis %q: exit %d %q, want %q", u, code, errs, want)
		}
	}
	if out, _, code := command(t, "", "version"); code != 0 || !strings.HasPrefix(out, "walkme-sessiond ") {
		t.Errorf("version: %d %q", code, out)
	}
}

// TestRedisPasswordFile: the Redis password comes from a file, never the
// command line.
func TestRedisPasswordFile(t *testing.T) {
	url := redistest.Start(t)
	opt, _ := redis.ParseURL(url)
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.ConfigSet(context.Background(), "requirepass", "redis-pw-42").Err(); err != nil {
		t.Fatal(err)
	}
	args := []string{"user", "add", "--redis", url, "--account", "acme", "--email", "a@acme.test", "--password-stdin"}
	if _, errs, code := command(t, "password123\n", args...); code != 1 || !strings.Contains(errs, "NOAUTH") {
		t.Fatalf("without the password: exit %d %q, want an authentication error", code, errs)
	}
	pwFile := filepath.Join(t.TempDir(), "redis-password")
	if err := os.WriteFile(pwFile, []byte("redis-pw-42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := command(t, "password123\n", append(args, "--redis-password-file", pwFile)...); code != 0 || !strings.Contains(out, "a@acme.test") {
		t.Fatalf("with --redis-password-file: exit %d %q %q", code, out, errs)
	}
}
