package storefront

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/checkout"
)

// checkoutForm is what the shopper typed, and what was wrong with it:
// Problems maps a field to a message key (or, for phone, the sentence
// mpesa wrote, which names the exact fault).
type checkoutForm struct {
	Name, Phone, Email, Note string
	Problems                 map[string]string
	// Key is the form's one-order key (see once); "" makes a new one.
	Key string
}

// cartPage is the cart with its checkout form.
type cartPage struct {
	Lines  []pricedLine
	Total  int64
	Notes  []string
	Form   checkoutForm
	Errors []fieldError
}

type pricedLine struct {
	Product   catalog.Product
	Qty       int64
	LineTotal int64
}

// fieldError is one problem shown in the summary at the top of the form,
// linking to its field.
type fieldError struct{ Field, Message string }

// priced reads the cart's products: lines for products no longer sold are
// dropped and quantities above the stock are lowered, each with a note.
func (s *Storefront) priced(c *fiber.Ctx, v view) (cartLines, cartPage, error) {
	var kept cartLines
	var page cartPage
	gone := false
	for _, l := range readCart(c) {
		p, err := catalog.Get(c.UserContext(), s.DB, current(c).ID, l.ProductID)
		if errors.Is(err, db.ErrNotFound) || err == nil && (!p.Active || p.Stock == 0) {
			gone = true
			continue
		}
		if err != nil {
			return nil, page, err
		}
		if l.Qty > p.Stock {
			l.Qty = p.Stock
			page.Notes = append(page.Notes, v.Tf("cart.clamped", p.Stock, p.Name))
		}
		kept = append(kept, l)
		page.Lines = append(page.Lines, pricedLine{Product: *p, Qty: l.Qty, LineTotal: p.Price * l.Qty})
		page.Total += p.Price * l.Qty
	}
	if gone {
		page.Notes = append(page.Notes, v.T("cart.gone"))
	}
	return kept, page, nil
}

func (s *Storefront) cart(c *fiber.Ctx) error { return s.renderCart(c, fiber.StatusOK, checkoutForm{}) }

func (s *Storefront) renderCart(c *fiber.Ctx, status int, f checkoutForm) error {
	v := newView(c, text(chooseLang(c), "cart.title")+" · "+current(c).Name)
	_, page, err := s.priced(c, v)
	if err != nil {
		return err
	}
	page.Form = f
	if page.Form.Key == "" {
		page.Form.Key = newCheckoutKey()
	}
	for _, field := range []string{"items", "name", "phone", "email", "note"} {
		if key, ok := f.Problems[field]; ok {
			msg := key // a sentence from checkout or mpesa, in English
			switch {
			case strings.HasPrefix(key, "err."):
				msg = v.T(key)
			case field == "phone" && v.Lang != "en":
				msg = v.T("err.phone")
			}
			page.Form.Problems[field] = msg
			page.Errors = append(page.Errors, fieldError{Field: field, Message: msg})
		}
	}
	v.Page = page
	return render(c, status, "cart", v)
}

// checkout places the order from the cart cookie and the form, then sends
// the shopper to the live status page. Every refusal re-shows the form
// with what was typed and why.
func (s *Storefront) checkout(c *fiber.Ctx) error {
	f := checkoutForm{Name: strings.TrimSpace(c.FormValue("name")), Phone: c.FormValue("phone"),
		Email: strings.TrimSpace(c.FormValue("email")), Note: c.FormValue("note"), Problems: map[string]string{}}
	lines, _, err := s.priced(c, newView(c, ""))
	if err != nil {
		return err
	}
	if f.Name == "" {
		f.Problems["name"] = "err.name"
	}
	if len(lines) == 0 {
		f.Problems["items"] = "err.items"
	}
	if len(f.Problems) > 0 {
		return s.renderCart(c, fiber.StatusBadRequest, f)
	}
	cart := checkout.Cart{Phone: f.Phone, Name: f.Name, Email: f.Email, Note: f.Note}
	for _, l := range lines {
		cart.Items = append(cart.Items, checkout.Line{ProductID: l.ProductID, Quantity: l.Qty})
	}
	placed, err := s.Checkout.Place(c.UserContext(), current(c), cart)
	var tooMany *checkout.TooManyPromptsError
	var busy *checkout.BusyError
	if ie, ok := input.As(err); ok {
		f.Problems[problemField(ie)] = problemKey(ie)
		return s.renderCart(c, fiber.StatusBadRequest, f)
	}
	switch {
	case errors.Is(err, catalog.ErrOutOfStock):
		f.Problems["items"] = "err.stock"
		return s.renderCart(c, fiber.StatusConflict, f)
	case errors.As(err, &tooMany):
		f.Problems["phone"] = tooManyAdvice(tooMany, chooseLang(c))
		return s.renderCart(c, fiber.StatusTooManyRequests, f)
	case errors.As(err, &busy):
		f.Problems["items"] = "err.busy"
		c.Set(fiber.HeaderRetryAfter, "1")
		return s.renderCart(c, fiber.StatusServiceUnavailable, f)
	case errors.Is(err, checkout.ErrNotPayable):
		f.Problems["items"] = "err.payable"
		return s.renderCart(c, fiber.StatusServiceUnavailable, f)
	case errors.Is(err, checkout.ErrStoreClosed):
		return errClosed
	case err != nil:
		return err
	}
	writeCart(c, nil)
	return c.Redirect(orderURL(base(c), placed.Order.ID, placed.Token), fiber.StatusSeeOther)
}

// problemField maps checkout's field names onto the form's.
func problemField(ie *input.Error) string {
	switch ie.Field {
	case "phone", "email":
		return ie.Field
	case "delivery_note":
		return "note"
	case "customer":
		return "name"
	}
	return "items"
}

// problemKey keeps mpesa's exact phone sentence (it says what is wrong
// with the number); other fields get the form's own wording.
func problemKey(ie *input.Error) string {
	switch ie.Field {
	case "phone":
		return ie.Message
	case "email", "delivery_note":
		return "err." + problemField(ie)
	}
	return ie.Message
}

func orderURL(base, id, token string) string {
	return base + "/orders/" + id + "?t=" + url.QueryEscape(token)
}

// tooManyAdvice says, in lang, that the phone got too many prompts and how
// long to wait, in whole minutes rounded up ("a minute" for one).
func tooManyAdvice(e *checkout.TooManyPromptsError, lang string) string {
	if n := int((e.Wait + time.Minute - 1) / time.Minute); n > 1 {
		return textf(lang, "err.prompts", n)
	}
	return text(lang, "err.prompts.1")
}
