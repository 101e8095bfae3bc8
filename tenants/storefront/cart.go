package storefront

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/checkout"
)

// The cart lives in a cookie ("prd_…:2|prd_…:1"), so it survives page
// loads and works without JavaScript or an account. It is only a wish
// list: checkout re-reads every product, price and stock level.
const (
	cartCookie = "cart"
	cartMaxAge = 7 * 24 * time.Hour
)

type cartLine struct {
	ProductID string
	Qty       int64
}

type cartLines []cartLine

func (ls cartLines) count() int64 {
	var n int64
	for _, l := range ls {
		n += l.Qty
	}
	return n
}

// readCart parses the cookie, dropping anything malformed: a tampered or
// stale cookie gives a smaller cart, never an error page.
func readCart(c *fiber.Ctx) cartLines {
	var ls cartLines
	seen := map[string]bool{}
	for part := range strings.SplitSeq(c.Cookies(cartCookie), "|") {
		id, q, ok := strings.Cut(part, ":")
		n, err := strconv.ParseInt(q, 10, 64)
		if !ok || err != nil || n <= 0 || n > checkout.MaxQuantity || !validID(id) || seen[id] {
			continue
		}
		seen[id] = true
		ls = append(ls, cartLine{ProductID: id, Qty: n})
		if len(ls) == checkout.MaxLines {
			break
		}
	}
	return ls
}

func validID(id string) bool {
	if !strings.HasPrefix(id, "prd_") || len(id) > 64 {
		return false
	}
	for _, r := range id[4:] {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func writeCart(c *fiber.Ctx, ls cartLines) {
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		parts = append(parts, l.ProductID+":"+strconv.FormatInt(l.Qty, 10))
	}
	ck := &fiber.Cookie{Name: cartCookie, Value: strings.Join(parts, "|"), Path: cookiePath(c), HTTPOnly: true,
		SameSite: "Lax", Secure: c.Protocol() == "https", MaxAge: int(cartMaxAge / time.Second)}
	if len(ls) == 0 {
		ck.MaxAge, ck.Expires = -1, time.Unix(1, 0)
	}
	c.Cookie(ck)
}

// cookiePath scopes the cart to one store: each store has its own cart.
func cookiePath(c *fiber.Ctx) string {
	if b := base(c); b != "" {
		return b
	}
	return "/"
}

// set changes one line: qty 0 removes it; add adds to what is there.
func (ls cartLines) set(id string, qty int64, add bool) cartLines {
	out := make(cartLines, 0, len(ls)+1)
	found := false
	for _, l := range ls {
		if l.ProductID == id {
			found = true
			if add {
				qty += l.Qty
			}
			l.Qty = min(qty, checkout.MaxQuantity)
		}
		if l.Qty > 0 {
			out = append(out, l)
		}
	}
	if !found && qty > 0 && len(out) < checkout.MaxLines {
		out = append(out, cartLine{ProductID: id, Qty: qty})
	}
	return out
}

// updateCart handles the add, change and remove buttons, then shows the
// cart (where checkout is).
func (s *Storefront) updateCart(c *fiber.Ctx) error {
	id := c.FormValue("product_id")
	qty, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("qty", "1")), 10, 64)
	if err != nil || qty < 0 || qty > checkout.MaxQuantity {
		return s.renderCart(c, fiber.StatusBadRequest, checkoutForm{Problems: map[string]string{"items": "err.qty"}})
	}
	p, err := catalog.Get(c.UserContext(), s.DB, current(c).ID, id)
	if errors.Is(err, db.ErrNotFound) || err == nil && !p.Active {
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	if c.FormValue("op") == "remove" {
		qty = 0
	}
	writeCart(c, readCart(c).set(p.ID, min(qty, checkout.MaxQuantity), c.FormValue("op") == "add"))
	return c.Redirect(base(c)+"/cart", fiber.StatusSeeOther)
}
