package storefront

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/tenants/catalog"
)

// fewLeft is the stock level below which the shopper is told how many are
// left.
const fewLeft = 5

// productCard is a product as the grid and the product page show it.
type productCard struct {
	catalog.Product
	StockText string
	InStock   bool
}

func card(v view, p catalog.Product) productCard {
	pc := productCard{Product: p, InStock: p.Stock > 0, StockText: v.T("stock.in")}
	switch {
	case p.Stock <= 0:
		pc.StockText = v.T("stock.out")
	case p.Stock <= fewLeft:
		pc.StockText = v.Tf("stock.few", p.Stock)
	}
	return pc
}

func (s *Storefront) home(c *fiber.Ctx) error {
	st := current(c)
	ps, err := catalog.List(c.UserContext(), s.DB, st.ID)
	if err != nil {
		return err
	}
	v := newView(c, st.Name)
	cards := make([]productCard, 0, len(ps))
	for _, p := range ps {
		cards = append(cards, card(v, p))
	}
	v.Page = cards
	return render(c, fiber.StatusOK, "store", v)
}

func (s *Storefront) product(c *fiber.Ctx) error {
	p, err := catalog.Get(c.UserContext(), s.DB, current(c).ID, c.Params("id"))
	if err != nil {
		return err
	}
	if !p.Active {
		return db.ErrNotFound
	}
	v := newView(c, p.Name+" · "+current(c).Name)
	v.Page = card(v, *p)
	return render(c, fiber.StatusOK, "product", v)
}

// media serves the store's images. Names are content hashes, so a file
// never changes and browsers may keep it for a year.
func (s *Storefront) media(c *fiber.Ctx) error {
	b, err := s.Media.Get(c.UserContext(), current(c).ID+"/"+c.Params("name"))
	if errors.Is(err, media.ErrNotFound) {
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Type("jpg")
	return c.Send(b)
}
