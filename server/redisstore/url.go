package redisstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// newClient connects to what a --redis URL names, as one of go-redis's
// universal clients (docs/sessiond.md lists the forms):
//
//	redis://[[user]:password@]host:port[/db]       one Redis (rediss:// for TLS)
//	unix:///path/to/redis.sock[?db=N]              one Redis on a socket
//	redis+cluster://[[user]:password@]host:port[?addr=host:port&...]
//	                                               Redis Cluster, by its seed nodes
//	redis+sentinel://[[user]:password@]host:port[/db]?master_name=NAME[&addr=host:port...]
//	                                               Sentinel: the sentinels, and the
//	                                               name of the master they watch
//
// rediss+cluster:// and rediss+sentinel:// use TLS. Other query parameters
// are go-redis's (dial_timeout, pool_size, ...); unknown ones are refused.
// A non-empty password (from --redis-password-file) replaces the URL's.
// Errors never repeat the URL: it may hold a password.
func newClient(rawURL, password string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", unwrapURLError(err))
	}
	base, kind, _ := strings.Cut(u.Scheme, "+")
	tcp := base == "redis" || base == "rediss"
	switch {
	case kind == "" && (tcp || base == "unix"):
		return single(u, password)
	case kind == "cluster" && tcp:
		return cluster(u, base, password)
	case kind == "sentinel" && tcp:
		return sentinel(u, base, password)
	}
	return nil, fmt.Errorf("redis URL: scheme %q is none of redis, rediss, unix, redis+cluster, rediss+cluster, redis+sentinel, rediss+sentinel", u.Scheme)
}

func single(u *url.URL, password string) (redis.UniversalClient, error) {
	q := u.Query()
	switch {
	case q.Has("master_name"):
		return nil, errors.New("redis URL: master_name needs the redis+sentinel:// scheme")
	case q.Has("addr"):
		return nil, errors.New("redis URL: several addresses need redis+cluster:// (or redis+sentinel:// with master_name)")
	}
	o, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", unwrapURLError(err))
	}
	if password != "" {
		o.Password = password
	}
	return redis.NewClient(o), nil
}

func cluster(u *url.URL, base, password string) (redis.UniversalClient, error) {
	if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
		return nil, fmt.Errorf("redis URL: Redis Cluster has only database 0, not %q", p)
	}
	if u.Query().Has("master_name") {
		return nil, errors.New("redis URL: master_name belongs in a redis+sentinel:// URL, not redis+cluster://")
	}
	if u.Port() == "" {
		return nil, errors.New("redis URL: redis+cluster:// needs host:port of a cluster node")
	}
	v := *u
	v.Scheme, v.Path = base, ""
	o, err := redis.ParseClusterURL(v.String())
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", unwrapURLError(err))
	}
	if password != "" {
		o.Password = password
	}
	return redis.NewClusterClient(o), nil
}

// sentinel: the URL's credentials are the sentinels' and, unless
// --redis-password-file gives another password, the master's too.
func sentinel(u *url.URL, base, password string) (redis.UniversalClient, error) {
	q := u.Query()
	switch {
	case q.Get("master_name") == "":
		return nil, errors.New("redis URL: redis+sentinel:// needs ?master_name=NAME, the master the sentinels watch")
	case q.Has("password"):
		return nil, errors.New("redis URL: give the master's password in the URL's user part or --redis-password-file, not ?password=")
	case u.Port() == "":
		return nil, errors.New("redis URL: redis+sentinel:// needs host:port of a sentinel")
	}
	v := *u
	v.Scheme = base
	o, err := redis.ParseFailoverURL(v.String())
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", unwrapURLError(err))
	}
	if o.Username == "" {
		o.Username = o.SentinelUsername
	}
	o.Password = o.SentinelPassword
	if password != "" {
		o.Password = password
	}
	return redis.NewFailoverClient(o), nil
}

// unwrapURLError drops a url.Error's copy of the URL (it may hold a password).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
