package redisstore

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestScriptsTouchOnlyTheirKeys: every key a script reads or writes is one
// of its KEYS, never a name built inside it. Redis Cluster routes a script
// by its KEYS, so a built key may live on another node (and a key on the
// same node but not declared breaks on the next resharding).
func TestScriptsTouchOnlyTheirKeys(t *testing.T) {
	call := regexp.MustCompile(`redis\.call\(\s*'([A-Z]+)'\s*(?:,\s*([^,)]+))?`)
	keyless := map[string]bool{"TIME": true}
	files, err := fs.Glob(luaFiles, "lua/*.lua")
	if err != nil || len(files) < 5 {
		t.Fatalf("scripts: %v %v", files, err)
	}
	calls := 0
	for _, name := range files {
		b, err := luaFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "redis.pcall") {
			t.Errorf("%s: redis.pcall is not checked here; use redis.call", name)
		}
		if n := strings.Count(string(b), "redis.call"); n != len(call.FindAll(b, -1)) {
			t.Errorf("%s: %d redis.call, %d understood", name, n, len(call.FindAll(b, -1)))
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			calls++
			if keyless[m[1]] {
				continue
			}
			if !regexp.MustCompile(`^KEYS\[\d+\]$`).MatchString(strings.TrimSpace(m[2])) {
				t.Errorf("%s: redis.call('%s', %s): the key is not one of KEYS", name, m[1], m[2])
			}
		}
	}
	if calls < 20 {
		t.Errorf("found only %d redis.call", calls)
	}
}

// TestKeysOfASessionShareASlot: the keys rotate.lua and load_token.lua
// take together hash to one slot, and so do an account's.
func TestKeysOfASessionShareASlot(t *testing.T) {
	// The examples of the Redis Cluster specification.
	if slot("123456789") != 0x31C3 || slot("{user1000}.following") != slot("{user1000}.followers") || slot("foo{}{bar}") == slot("bar") {
		t.Fatal("slot() is not Redis Cluster's HASH_SLOT")
	}
	for _, prefix := range []string{"walkme:", "{walkme}:"} {
		s := &Store{prefix: prefix}
		sid := "s_ABC"
		if a, b, c := slot(s.sessionKey(sid)), slot(s.tokenKey(sid, "h1")), slot(s.tokenKey(sid, "h2")); a != b || b != c {
			t.Errorf("prefix %q: a session's keys hash to slots %d %d %d", prefix, a, b, c)
		}
		for _, acct := range []string{"acme", "a}b", "a{b"} {
			if a, b, c := slot(s.accountKey(acct)), slot(s.activityKey(acct)), slot(s.indexKey(acct)); a != b || b != c {
				t.Errorf("prefix %q account %q: keys hash to slots %d %d %d", prefix, acct, a, b, c)
			}
		}
	}
	if slot((&Store{prefix: "walkme:"}).sessionKey("s_A")) == slot((&Store{prefix: "walkme:"}).sessionKey("s_B")) &&
		slot((&Store{prefix: "walkme:"}).sessionKey("s_C")) == slot((&Store{prefix: "walkme:"}).sessionKey("s_B")) {
		t.Error("different sessions share one slot: nothing spreads over the cluster")
	}
}

// slot is Redis Cluster's HASH_SLOT: CRC16 of the key's hash tag (the
// first {...} with something inside), else of the whole key, mod 16384.
func slot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for _, c := range []byte(key) {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}
