package storefront

import (
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/orders"
)

// promptWindow is how long an STK prompt stays on the customer's phone
// before M-Pesa gives up on it (about a minute, plus the push itself).
const promptWindow = 70 * time.Second

// What the status page shows.
const (
	stateWaiting = "waiting" // a prompt is live: enter your PIN
	statePaid    = "paid"    // confirmation with the receipt
	stateFailed  = "failed"  // why, and send the prompt again
	stateClosed  = "closed"  // expired or cancelled
)

// orderPage is the status page's data.
type orderPage struct {
	Order   *orders.Order
	Items   []orders.Item
	State   string
	Phone   string
	Reason  string
	Left    int
	Version string
	Self    string
	Poll    string
	Retry   string
	// Problem is what was wrong with the phone typed for a retry.
	Problem string
}

// customerOrder loads the order named in the URL if ?t= is its token; a
// wrong token looks exactly like a missing order.
func (s *Storefront) customerOrder(c *fiber.Ctx) (*orders.Order, string, error) {
	token := c.Query("t")
	want := s.Tokens.Token("order", c.Params("id"))
	if subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		return nil, "", db.ErrNotFound
	}
	o, err := orders.Get(c.UserContext(), s.DB, current(c).ID, c.Params("id"))
	return o, token, err
}

// customerView loads the order of the URL, for the customer holding its
// token, with its newest attempt. The attempt is read first: a settle
// changes both in one transaction, so a succeeded attempt is never seen
// beside a still-pending order (which would offer a paid order a retry).
func (s *Storefront) customerView(c *fiber.Ctx) (*orders.Order, *payments.Attempt, string, error) {
	a, err := payments.Latest(c.UserContext(), s.DB, current(c).ID, c.Params("id"))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, nil, "", err
	}
	o, token, err := s.customerOrder(c)
	return o, a, token, err
}

// status works out what the customer should see of o and its newest
// attempt a.
func (s *Storefront) status(c *fiber.Ctx, o *orders.Order, a *payments.Attempt, token, lang string) (*orderPage, error) {
	self := orderURL(base(c), o.ID, token)
	p := &orderPage{Order: o, Self: self, Phone: displayPhone(o.Phone),
		Poll: strings.Replace(self, "?t=", "/status?t=", 1), Retry: strings.Replace(self, "?t=", "/pay?t=", 1)}
	switch {
	case o.Status == orders.StatusPaid || o.Status == orders.StatusFulfilled:
		p.State = statePaid
	case o.Status != orders.StatusPending:
		p.State = stateClosed
	case a != nil && a.Live():
		p.State = stateWaiting
		p.Left = max(0, int(time.Until(a.CreatedAt.Add(promptWindow)).Seconds()))
	default:
		p.State = stateFailed
	}
	if a != nil {
		p.Phone = displayPhone(a.Phone)
		p.Version = a.ID + "/" + a.Status
		if p.State == stateFailed {
			p.Reason = failureReason(a, lang)
		}
	}
	if p.State == stateFailed && p.Reason == "" {
		p.Reason = text(lang, "fail.default")
	}
	p.Version = o.Status + "/" + o.Receipt + "/" + p.Version
	return p, nil
}

// failureReason is the attempt's reason in plain words, in lang when we
// have a translation for its ResultCode.
func failureReason(a *payments.Attempt, lang string) string {
	if lang == "sw" {
		if r, ok := reasonSw[a.ResultCode]; ok {
			return r
		}
	}
	return a.FailureReason
}

func (s *Storefront) order(c *fiber.Ctx) error { return s.renderOrder(c, fiber.StatusOK, "") }

func (s *Storefront) renderOrder(c *fiber.Ctx, status int, problem string) error {
	o, a, token, err := s.customerView(c)
	if err != nil {
		return err
	}
	v := newView(c, "")
	v.Title = v.Tf("order.title", o.Number) + " · " + current(c).Name
	p, err := s.status(c, o, a, token, v.Lang)
	if err != nil {
		return err
	}
	if p.Items, err = orders.Items(c.UserContext(), s.DB, o.StoreID, o.ID); err != nil {
		return err
	}
	p.Problem = problem
	if p.State == stateWaiting {
		v.Refresh = 3
	}
	v.Page = p
	return render(c, status, "order", v)
}

// orderStatus is what the page's script polls: when Version changes the
// page reloads to show the new state.
func (s *Storefront) orderStatus(c *fiber.Ctx) error {
	o, a, token, err := s.customerView(c)
	if err != nil {
		return err
	}
	p, err := s.status(c, o, a, token, "en")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"state": p.State, "version": p.Version, "left": p.Left})
}

// retry sends a new prompt, to the same phone or the one typed.
func (s *Storefront) retry(c *fiber.Ctx) error {
	o, token, err := s.customerOrder(c)
	if err != nil {
		return err
	}
	_, err = s.Checkout.Retry(c.UserContext(), current(c), o, c.FormValue("phone"))
	if ie, ok := input.As(err); ok {
		msg := ie.Message
		if chooseLang(c) != "en" {
			msg = text(chooseLang(c), "err.phone")
		}
		return s.renderOrder(c, fiber.StatusBadRequest, msg)
	}
	var tooMany *checkout.TooManyPromptsError
	if errors.As(err, &tooMany) {
		return s.renderOrder(c, fiber.StatusTooManyRequests, tooManyAdvice(tooMany, chooseLang(c)))
	}
	// A live attempt or a paid order: the status page already says what
	// is going on.
	if err != nil && !errors.Is(err, payments.ErrAttemptLive) && !errors.Is(err, checkout.ErrPaid) &&
		!errors.Is(err, checkout.ErrNotPending) {
		return err
	}
	return c.Redirect(orderURL(base(c), o.ID, token), fiber.StatusSeeOther)
}

// displayPhone turns 254712345678 into 0712 345 678, as people write it.
func displayPhone(msisdn string) string {
	if len(msisdn) != 12 || !strings.HasPrefix(msisdn, "254") {
		return msisdn
	}
	return "0" + msisdn[3:6] + " " + msisdn[6:9] + " " + msisdn[9:]
}
