package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, in a registry of the
// Server's own (no global state: tests run many servers in one process).
// walkme-sessiond serves them on a listener of their own (--metrics-listen),
// not on the public port: they say how many people are signed in and how
// sign-ins go, which is for operators only.
type metrics struct {
	reg       *prometheus.Registry
	renewals  *prometheus.CounterVec
	signIns   *prometheus.CounterVec
	requests  *prometheus.HistogramVec
	storeTime *prometheus.HistogramVec
}

// Renewal results and reasons (the labels of walkme_sessiond_renewals_total).
const (
	renewOK      = "renewed"
	renewRefused = "refused"
	renewError   = "error"
)

func newMetrics(st Store, now func() time.Time, onErr func(error)) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		renewals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "walkme_sessiond_renewals_total",
			Help: "Refresh-token renewals, by result (renewed, refused, error) and reason (rotated, replayed; unknown_token, ended, lapsed, reuse, wrong_client, invalid_request; store).",
		}, []string{"result", "reason"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "walkme_sessiond_sign_ins_total",
			Help: "Password sign-ins (the sign-in and device pages), by result: success, wrong_password, throttled, error.",
		}, []string{"result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "walkme_sessiond_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route (the router's pattern, e.g. \"POST /token\"; \"unmatched\" for none) and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "code"}),
		storeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "walkme_sessiond_store_duration_seconds",
			Help:    "Time of a store operation, by operation (the Store method) and result (ok, error).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"op", "result"}),
	}
	m.reg.MustRegister(m.renewals, m.signIns, m.requests, m.storeTime, liveSessions{st, now, onErr},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Results that have not happened yet still show, as 0.
	m.renewals.WithLabelValues(renewOK, "rotated")
	m.renewals.WithLabelValues(renewRefused, "unknown_token")
	for _, r := range []string{"success", "wrong_password", "throttled"} {
		m.signIns.WithLabelValues(r)
	}
	return m
}

var liveSessionsDesc = prometheus.NewDesc("walkme_sessiond_live_sessions",
	"Sessions of every account that are live now (neither ended nor lapsed), counted in the store at each scrape.", nil, nil)

// liveSessions asks the store at scrape time, so every instance on a
// shared store reports the same number; a failed count reports nothing.
type liveSessions struct {
	st    Store
	now   func() time.Time
	onErr func(error)
}

func (l liveSessions) Describe(ch chan<- *prometheus.Desc) { ch <- liveSessionsDesc }

func (l liveSessions) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := l.st.CountLiveSessions(ctx, l.now())
	if err != nil {
		l.onErr(err)
		return
	}
	ch <- prometheus.MustNewConstMetric(liveSessionsDesc, prometheus.GaugeValue, float64(n))
}

// MetricsHandler serves the Prometheus metrics (text exposition format).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics", "err", v) }

// countRenewal records a refresh's outcome.
func (s *Server) countRenewal(res RotationResult, err error, refusal string) {
	switch {
	case refusal != "":
		s.metrics.renewals.WithLabelValues(renewRefused, refusal).Inc()
	case err != nil:
		s.metrics.renewals.WithLabelValues(renewError, "store").Inc()
	case res.Outcome == RotateReplayed:
		s.metrics.renewals.WithLabelValues(renewOK, "replayed").Inc()
	default:
		s.metrics.renewals.WithLabelValues(renewOK, "rotated").Inc()
	}
}
