package gateway

import (
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/stores"
)

// apiError is the one error body of the JSON API.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Fail returns an error the error handler answers with status, code and a
// message safe to show.
func Fail(status int, code, message string) error {
	return &httpError{status: status, body: apiErrorBody{Code: code, Message: message}}
}

type httpError struct {
	status int
	body   apiErrorBody
}

func (e *httpError) Error() string { return e.body.Message }

// known maps domain errors to answers. Order matters only in that the
// first match wins.
var known = []struct {
	err    error
	status int
	code   string
}{
	{db.ErrNotFound, fiber.StatusNotFound, "not_found"},
	{auth.ErrBadCredentials, fiber.StatusUnauthorized, "bad_credentials"},
	{auth.ErrInvalidToken, fiber.StatusUnauthorized, "unauthorized"},
	{auth.ErrEmailTaken, fiber.StatusConflict, "email_taken"},
	{auth.ErrTooManyAttempts, fiber.StatusTooManyRequests, "rate_limited"},
	{policy.ErrForbidden, fiber.StatusForbidden, "forbidden"},
	{policy.ErrNoPolicy, fiber.StatusForbidden, "no_policy"},
	{policy.ErrSuspended, fiber.StatusForbidden, "store_suspended"},
	{stores.ErrSlugTaken, fiber.StatusConflict, "slug_taken"},
	{catalog.ErrOutOfStock, fiber.StatusConflict, "out_of_stock"},
	{payments.ErrAttemptLive, fiber.StatusConflict, "payment_in_progress"},
	{checkout.ErrPaid, fiber.StatusConflict, "already_paid"},
	{checkout.ErrNotPending, fiber.StatusConflict, "not_payable"},
	{checkout.ErrStoreClosed, fiber.StatusForbidden, "store_unavailable"},
	{checkout.ErrNotPayable, fiber.StatusConflict, "payments_not_configured"},
	{checkout.ErrTooManyPrompts, fiber.StatusTooManyRequests, "rate_limited"},
	{payments.ErrIssueResolved, fiber.StatusConflict, "already_resolved"},
}

// classify turns any error into the status and body to send; unknown
// errors become a 500 whose text never reaches the client.
func classify(err error) (int, apiErrorBody, bool) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.body, true
	}
	var busy *checkout.BusyError
	if errors.As(err, &busy) {
		return fiber.StatusServiceUnavailable, apiErrorBody{Code: "busy", Message: "Many people are paying right now; please try again in a moment."}, true
	}
	if ie, ok := input.As(err); ok {
		return fiber.StatusBadRequest, apiErrorBody{Code: "invalid_input", Message: ie.Message, Field: ie.Field}, true
	}
	for _, k := range known {
		if errors.Is(err, k.err) {
			msg := k.err.Error()
			if i := strings.Index(msg, ": "); i >= 0 {
				msg = msg[i+2:]
			}
			return k.status, apiErrorBody{Code: k.code, Message: msg}, true
		}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code, apiErrorBody{Code: codeFor(fe.Code), Message: fe.Message}, true
	}
	return fiber.StatusInternalServerError, apiErrorBody{Code: "internal", Message: "Something went wrong on our side. Please try again."}, false
}

func codeFor(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "body_too_large"
	case fiber.StatusTooManyRequests:
		return "rate_limited"
	case fiber.StatusUnauthorized:
		return "unauthorized"
	case fiber.StatusForbidden:
		return "forbidden"
	default:
		return "bad_request"
	}
}

// errorHandler answers every error in one place: JSON for the API, a
// readable page for people. Internal errors are logged, never shown.
func errorHandler(log *slog.Logger, page func(c *fiber.Ctx, status int, message string) error) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status, body, ok := classify(err)
		if !ok {
			log.ErrorContext(c.UserContext(), "request failed", "err", err, "method", c.Method(), "route", c.Route().Path)
		}
		var later interface{ RetryAfter() time.Duration }
		if errors.As(err, &later) {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(later.RetryAfter().Seconds()))))
		}
		if wantsHTML(c) && page != nil {
			return page(c, status, body.Message)
		}
		return c.Status(status).JSON(apiError{Error: body})
	}
}

// wantsHTML reports whether an error is answered with a page: on the
// pages' paths, and on any other path outside the API and the callbacks
// that a browser asked for (a mistyped address gets a page, not JSON).
func wantsHTML(c *fiber.Ctx) bool {
	p := c.Path()
	if len(p) >= 3 && p[:3] == "/s/" || p == "/" || len(p) >= 10 && p[:10] == "/dashboard" ||
		strings.HasPrefix(p, "/admin") || strings.HasPrefix(p, "/login") || strings.HasPrefix(p, "/logout") ||
		strings.HasPrefix(p, "/invitations/") {
		return true
	}
	return !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/callbacks/") &&
		strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}
