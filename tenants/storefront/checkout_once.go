package storefront

import (
	"errors"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/idempotency"
	"github.com/sokohub/sokohub/internal/tokens"
)

// A phone on a slow network sends the checkout form again when Pay is
// tapped twice, each time with the cart cookie as it was: without a guard
// every tap places its own order, holds its own stock and sends its own
// prompt. The cart page therefore gives its form a random key, and one key
// places at most one order; a later tap of the same form is sent to that
// order's page.
const checkoutScope = "checkout-form"

// checkoutKeyPattern is what newCheckoutKey makes; a form without such a
// key (a page cached from before keys) is placed as it is.
var checkoutKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Another tap of the same form being placed right now is waited for this
// long, in steps of tapPoll, before the shopper is asked to press Pay again.
const (
	tapWait = 5 * time.Second
	tapPoll = 100 * time.Millisecond
)

var errTapInFlight = errors.New("storefront: this checkout form is still being placed")

func newCheckoutKey() string {
	raw, _ := tokens.New("")
	return raw
}

// once runs the checkout handler at most once per form key and replays
// the order page it sent the shopper to.
func (s *Storefront) once(c *fiber.Ctx) error {
	key := c.FormValue("key")
	if !checkoutKeyPattern.MatchString(key) {
		return c.Next()
	}
	ctx, storeID := c.UserContext(), current(c).ID
	placed, err := s.claim(c, key)
	switch {
	case errors.Is(err, errTapInFlight):
		// The same key again: pressing Pay then joins that checkout.
		return s.renderCart(c, fiber.StatusConflict, checkoutForm{Key: key, Problems: map[string]string{"items": "err.busy"}})
	case err != nil:
		return err
	case placed != "":
		writeCart(c, nil)
		return c.Redirect(placed, fiber.StatusSeeOther)
	}
	err = c.Next()
	if err == nil && c.Response().StatusCode() == fiber.StatusSeeOther {
		where := string(c.Response().Header.Peek(fiber.HeaderLocation))
		return s.Idempotency.Finish(ctx, storeID, checkoutScope, key, idempotency.Response{Status: fiber.StatusSeeOther, Body: []byte(where)})
	}
	// Refused or failed: nothing was placed, so the form may try again.
	return errors.Join(err, s.Idempotency.Abandon(ctx, storeID, checkoutScope, key))
}

// claim takes key for this request, or returns the order page an earlier
// tap of the same form placed. A tap still being placed is waited for.
func (s *Storefront) claim(c *fiber.Ctx, key string) (string, error) {
	ctx, storeID := c.UserContext(), current(c).ID
	for deadline := time.Now().Add(tapWait); ; {
		replay, err := s.Idempotency.Begin(ctx, storeID, checkoutScope, key, nil)
		switch {
		case err == nil && replay != nil:
			return string(replay.Body), nil
		case err == nil:
			return "", nil
		case !errors.Is(err, idempotency.ErrInFlight):
			return "", err
		case time.Now().After(deadline):
			return "", errTapInFlight
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(tapPoll):
		}
	}
}
