package observability

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// HTTP measures the gateway's requests.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	route    func(*fiber.Ctx) string
}

// Unmatched is the route label of requests no route answered (404s).
const Unmatched = "unmatched"

// NewHTTP registers the HTTP metrics on r. route names the route template
// of a request once it has been answered; nil means RouteTemplate. It must
// never return a raw path (paths carry callback tokens and ids, and each
// distinct label value is a new time series), and its string must not
// point into Fiber's reused buffers.
func (r *Registry) NewHTTP(route func(*fiber.Ctx) string) *HTTP {
	if route == nil {
		route = RouteTemplate
	}
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http",
			Name: "requests_total", Help: "HTTP requests answered, by method, route template and status code."},
			[]string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http",
			Name: "request_duration_seconds", Help: "Time to answer an HTTP request, by method and route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
			[]string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http",
			Name: "requests_in_flight", Help: "HTTP requests being answered now."}),
		route: route,
	}
	r.reg.MustRegister(h.requests, h.duration, h.inFlight)
	return h
}

// Middleware measures every request; install it first, so that it sees
// the status of errors and recovered panics too.
func (h *HTTP) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		h.inFlight.Inc()
		defer h.inFlight.Dec()
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			// The app's error handler writes the answer after us.
			status = fiber.StatusInternalServerError
			if ferr := (*fiber.Error)(nil); errors.As(err, &ferr) {
				status = ferr.Code
			}
		}
		// Label values outlive the request: copy what Fiber would reuse.
		method := strings.Clone(c.Method())
		route := h.route(c)
		if status == fiber.StatusNotFound && route == "/" {
			route = Unmatched // the catch-all, not the storefront's home page
		}
		h.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		h.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return err
	}
}

// RouteTemplate is the template of the route that answered c ("/s/:slug"),
// or the prefix of the middleware that did ("/" for the gateway's 404).
// Fiber keeps route paths as registered, so the string is safe to keep.
func RouteTemplate(c *fiber.Ctx) string { return c.Route().Path }
