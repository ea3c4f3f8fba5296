package server_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

// The package's redis-server, started by TestMain; redisErr says why
// there is none.
var (
	redisURL string
	redisErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sessiond-redis")
	if err != nil {
		panic(err)
	}
	var stop func()
	redisURL, stop, redisErr = redistest.Launch(dir)
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// onRedisTests are the protocol tests that run again on Redis, under
// TestOnRedis; TestOnRedisCoversEveryEnvTest keeps the list complete.
var onRedisTests = []func(*testing.T){
	TestSecuritySettingValues, TestSecuritySettingDevMode, TestSecuritySettingAccess, TestActivityLog,
	TestAdminCenterSecurityPage, TestAdminCenterNonAdmin, TestAdminCenterCallbackNeedsItsOwnState,
	TestDiscovery, TestLoginFormRejectsBadPassword, TestPKCERequired, TestRedirectURIs,
	TestCodeIsSingleUseAndShortLived, TestTokenResponse, TestRefreshTokenBoundToClient, TestRefreshRotates,
	TestRotationGraceReturnsSameSuccessor, TestReuseAfterGraceRevokesSession, TestUnknownRefreshToken,
	TestConcurrentRefreshYieldsOneSuccessor, TestSessionLapsesAfterTimeout,
	TestTimeoutChangeAppliesToLiveSessions, TestRenewalCountsFromLastUse, TestIdleSignInFollowsTheChange,
	TestRevokeEndsWholeSession, TestRevokeUnknownTokenIs200, TestLapseDeactivatesAccessTokens, TestSeedExample,
	TestLapseRefusesUnexpiredAccessTokens, TestDeviceAuthorization, TestDeviceGrantDevInterval,
	TestDeviceGrantApproved, TestDeviceGrantDenied, TestDeviceGrantExpired, TestDevicePageErrors,
	TestLoginPageFormAction, TestLoginContinuePage, TestSecurityHeadersEverywhere, TestCrossOriginPostsRefused,
	TestSigningKeyRotation, TestRotatedKeyReachesAnotherInstance, TestAccessTokenProfile,
	TestIDTokenIsNotAnAccessToken, TestPasswordGuessingThrottled, TestThrottleBackoffGrows,
	TestThrottleSparesTheRealUser, TestThrottleEveryPasswordForm, TestThrottleParallelGuesses,
	TestAdminSessionsAPI, TestAdminUsersAPI, TestMetrics, TestHealthAndReadiness,
}

// onRedisByName is onRedisTests by the tests' names.
func onRedisByName() map[string]func(*testing.T) {
	m := make(map[string]func(*testing.T), len(onRedisTests))
	for _, f := range onRedisTests {
		name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
		m[name[strings.LastIndexByte(name, '.')+1:]] = f
	}
	return m
}

// notOnRedis are env tests that run on SQLite only, and why.
var notOnRedis = map[string]string{
	"TestAdminCenterInBrowser":      "a headless Chromium run; its store calls are TestAdminCenterSecurityPage's",
	"TestLoginRedirectInBrowser":    "a headless Chromium run; its store calls are TestLoginPageFormAction's",
	"TestForeignPageInBrowser":      "a headless Chromium run; its store calls are TestCrossOriginPostsRefused's",
	"TestAdminSessionsPageForms":    "the page over TestAdminSessionsAPI's store calls",
	"TestAdminSessionsPaging":       "paging and search in the server over TestAdminSessionsAPI's store calls",
	"TestAdminUsersPageForms":       "the page over TestAdminUsersAPI's store calls",
	"TestAdminCenterSidebar":        "pages only; their store calls are the API tests'",
	"TestRoutesAreDocumented":       "documentation against the router; no store",
	"TestAdminRefusesMisusedTokens": "token checks before any store call; TestSecuritySettingAccess runs on Redis",
}

// TestOnRedis runs every protocol test again with a Redis store.
func TestOnRedis(t *testing.T) {
	t.Run("UsesRedis", func(t *testing.T) {
		if e := startEnv(t, false); fmt.Sprintf("%T", e.store) != "*redisstore.Store" {
			t.Fatalf("env under TestOnRedis has a %T", e.store)
		}
	})
	tests := onRedisByName()
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, tests[name])
	}
}

// onRedis reports whether t runs under TestOnRedis (or a Redis benchmark).
func onRedis(t testing.TB) bool {
	return strings.HasPrefix(t.Name(), "TestOnRedis/") || strings.HasPrefix(t.Name(), "BenchmarkRefresh/redis")
}

// freshRedisPrefix is a new key prefix on the package's redis-server,
// holding the test users.
func freshRedisPrefix(t testing.TB) string {
	t.Helper()
	if redisErr != nil {
		testenv.Missing(t, fmt.Sprintf("no redis-server: %v", redisErr))
	}
	prefix := "t" + rand.Text() + ":"
	if err := copyTemplate(context.Background(), prefix); err != nil {
		t.Fatal(err)
	}
	return prefix
}

// redisStore opens a Redis store under prefix on the package's redis-server.
func redisStore(t testing.TB, prefix string) *redisstore.Store {
	t.Helper()
	st, err := redisstore.Open(context.Background(), redisURL, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// redisTemplate adds the test users once (bcrypt is slow on purpose)
// under the prefix "template:"; copyTemplate copies them for each test.
var redisTemplate = sync.OnceValue(func() error {
	st, err := redisstore.Open(context.Background(), redisURL, redisstore.Options{Prefix: "template:"})
	if err != nil {
		return err
	}
	defer st.Close()
	for _, u := range testUsers {
		if _, err := st.AddUser(context.Background(), u.account, u.email, password, u.admin); err != nil {
			return err
		}
	}
	return nil
})

func copyTemplate(ctx context.Context, prefix string) error {
	if err := redisTemplate(); err != nil {
		return err
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	c := redis.NewClient(opt)
	defer c.Close()
	keys, err := c.Keys(ctx, "template:*").Result()
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := c.Copy(ctx, k, prefix+strings.TrimPrefix(k, "template:"), 0, false).Err(); err != nil {
			return fmt.Errorf("copy %s: %w", k, err)
		}
	}
	return nil
}

// TestOnRedisCoversEveryEnvTest fails when a test that builds an env is
// in neither onRedisTests nor notOnRedis.
func TestOnRedisCoversEveryEnvTest(t *testing.T) {
	files, _ := filepath.Glob("*_test.go")
	fset := token.NewFileSet()
	onRedis := onRedisByName()
	found := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || !callsNewEnv(fn) {
				continue
			}
			found++
			_, on := onRedis[fn.Name.Name]
			_, off := notOnRedis[fn.Name.Name]
			if !on && !off {
				t.Errorf("%s (%s) builds an env but does not run on Redis: add it to onRedisTests", fn.Name.Name, name)
			}
		}
	}
	if found < len(onRedisTests) {
		t.Errorf("found %d env tests, fewer than the %d in onRedisTests", found, len(onRedisTests))
	}
}

func callsNewEnv(fn *ast.FuncDecl) bool {
	calls := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "newEnv" {
				calls = true
			}
		}
		return !calls
	})
	return calls
}

// TestTwoInstancesShareRedis is the reason for the Redis store: two
// servers over one Redis (as behind a load balancer), started at the same
// moment, agree on their keys; refreshes of one token racing on both
// record exactly one successor; and what one instance ends, the other
// sees ended.
func TestTwoInstancesShareRedis(t *testing.T) {
	t.Parallel()
	prefix := freshRedisPrefix(t)
	stA, stB := redisStore(t, prefix), redisStore(t, prefix) // two connection pools, as two hosts have
	clk := &clock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	a, b := unstartedEnv(t, stA, clk), unstartedEnv(t, stB, clk)
	var sa, sb *server.Server
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { sa, errA = server.New(server.Config{Issuer: a.issuer(), Store: stA, Now: clk.Now}) })
	wg.Go(func() { sb, errB = server.New(server.Config{Issuer: b.issuer(), Store: stB, Now: clk.Now}) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	a.start(sa)
	b.start(sb)

	t0 := a.login("user@acme.test")
	const n = 8
	got := make([]tokens, n)
	testenv.Race(n, func(i int) { got[i] = []*env{a, b}[i%2].refresh(t0.RefreshToken) })
	successor := ""
	for i, tk := range got {
		switch {
		case tk.status == 200 && (successor == "" || tk.RefreshToken == successor):
			successor = tk.RefreshToken
		case tk.status == 200:
			t.Fatalf("refresh %d got a second successor: the chain forked across instances", i)
		case tk.status != 400 || tk.Error != "invalid_grant":
			t.Fatalf("refresh %d: %d %s %s, want the successor or a clean invalid_grant", i, tk.status, tk.Error, tk.Description)
		}
	}
	if successor == "" {
		t.Fatal("no refresh succeeded")
	}
	// The successor carries on at either instance...
	clk.Advance(time.Minute)
	t2 := b.mustRefresh(successor)
	t3 := a.mustRefresh(t2.RefreshToken)
	// ...and a replay at one ends the session at both (R4).
	b.mustRefuse(t0.RefreshToken, "replay of the first token")
	if a.active(t3.RefreshToken) || b.active(t3.AccessToken) || a.active(t3.AccessToken) {
		t.Error("after a replay at one instance the session is still active at the other")
	}
}
