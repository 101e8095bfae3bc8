package dashboard

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/tenants/catalog"
)

// productForm is the product editor, used by the wizard's third step and
// by the products pages.
type productForm struct {
	Wizard   *wizard
	ID       string
	Name     string
	Desc     string
	Price    string
	Stock    string
	Active   bool
	Image    string
	Action   string
	Problems formError
	// ChooseAgain asks for the photo again: one was chosen, but the form
	// was refused for another reason and a file input cannot be refilled.
	ChooseAgain bool
}

func formOf(p *catalog.Product) productForm {
	return productForm{ID: p.ID, Name: p.Name, Desc: p.Description, Price: strconv.FormatInt(p.Price/100, 10),
		Stock: strconv.FormatInt(p.Stock, 10), Active: p.Active, Image: p.Image}
}

// readProduct parses the form into changes, uploading a new image if one
// was chosen; problems come back by field.
func (d *Dashboard) readProduct(c *fiber.Ctx, f *productForm) (catalog.Changes, formError, error) {
	f.Name, f.Desc, f.Price, f.Stock = c.FormValue("name"), c.FormValue("description"), c.FormValue("price"), c.FormValue("stock")
	f.Active = c.FormValue("active", "1") == "1"
	var ch catalog.Changes
	price, err := parseShillings("price", f.Price)
	if err == nil {
		var stock int64
		stock, err = parseCount("stock", f.Stock)
		ch = catalog.Changes{NewProduct: catalog.NewProduct{Name: f.Name, Description: f.Desc, Price: price, Stock: stock},
			Active: f.Active, Image: f.Image}
	}
	if err == nil {
		var img string
		if img, err = d.upload(c, "image"); img != "" {
			ch.Image, f.Image = img, img
		}
	}
	if c.FormValue("remove_image") == "1" {
		ch.Image, f.Image = "", ""
	}
	p, err := problems(err)
	return ch, p, err
}

// save creates (id "") or updates a product from the form. A refused
// form saved nothing: it shows the photo on file again, not one uploaded
// on the way, and asks for a chosen photo again.
func (d *Dashboard) save(c *fiber.Ctx, f *productForm) (*catalog.Product, formError, error) {
	kept := f.Image
	p, bad, err := d.write(c, f)
	if bad != nil {
		f.Image, f.ChooseAgain = kept, chosen(c, "image") && !bad.Has("image")
	}
	return p, bad, err
}

func (d *Dashboard) write(c *fiber.Ctx, f *productForm) (*catalog.Product, formError, error) {
	ch, bad, err := d.readProduct(c, f)
	if bad != nil || err != nil {
		return nil, bad, err
	}
	ctx, storeID := c.UserContext(), current(c).ID
	var p *catalog.Product
	if f.ID == "" {
		if p, err = catalog.Create(ctx, d.DB, storeID, ch.NewProduct); err == nil && (ch.Image != "" || !ch.Active) {
			p, err = catalog.Update(ctx, d.DB, storeID, p.ID, ch)
		}
	} else {
		p, err = catalog.Update(ctx, d.DB, storeID, f.ID, ch)
	}
	bad, err = problems(err)
	return p, bad, err
}

func (d *Dashboard) renderProduct(c *fiber.Ctx, status int, f productForm) error {
	title := "New product"
	if f.ID != "" {
		title = strings.TrimSpace(f.Name)
	}
	section := "products"
	if f.Wizard != nil {
		section = "setup"
	}
	return render(c, status, "product_form", d.view(c, title, section, f))
}

func (d *Dashboard) productStep(c *fiber.Ctx) error {
	w, err := d.wizard(c, "product")
	if err != nil {
		return err
	}
	return d.renderProduct(c, fiber.StatusOK, productForm{Wizard: &w, Active: true, Stock: "10", Action: base(c) + "/setup/product"})
}

func (d *Dashboard) saveFirstProduct(c *fiber.Ctx) error {
	f := productForm{Action: base(c) + "/setup/product"}
	_, bad, err := d.save(c, &f)
	if err != nil {
		return err
	}
	if bad != nil {
		w, err := d.wizard(c, "product")
		if err != nil {
			return err
		}
		f.Wizard, f.Problems = &w, bad
		return d.renderProduct(c, fiber.StatusBadRequest, f)
	}
	return c.Redirect(base(c)+"/setup/share?done=product", fiber.StatusSeeOther)
}

func (d *Dashboard) products(c *fiber.Ctx) error {
	ps, err := catalog.All(c.UserContext(), d.DB, current(c).ID)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "products", d.view(c, "Products", "products", ps))
}

func (d *Dashboard) newProduct(c *fiber.Ctx) error {
	return d.renderProduct(c, fiber.StatusOK, productForm{Active: true, Action: base(c) + "/products/new"})
}

func (d *Dashboard) createProduct(c *fiber.Ctx) error {
	f := productForm{Action: base(c) + "/products/new"}
	_, bad, err := d.save(c, &f)
	if err != nil {
		return err
	}
	if bad != nil {
		f.Problems = bad
		return d.renderProduct(c, fiber.StatusBadRequest, f)
	}
	return c.Redirect(base(c)+"/products?done=product", fiber.StatusSeeOther)
}

func (d *Dashboard) editProduct(c *fiber.Ctx) error {
	p, err := catalog.Get(c.UserContext(), d.DB, current(c).ID, c.Params("id"))
	if err != nil {
		return err
	}
	f := formOf(p)
	f.Action = base(c) + "/products/" + p.ID
	return d.renderProduct(c, fiber.StatusOK, f)
}

func (d *Dashboard) updateProduct(c *fiber.Ctx) error {
	p, err := catalog.Get(c.UserContext(), d.DB, current(c).ID, c.Params("id"))
	if err != nil {
		return err
	}
	f := productForm{ID: p.ID, Image: p.Image, Action: base(c) + "/products/" + p.ID}
	_, bad, err := d.save(c, &f)
	if err != nil {
		return err
	}
	if bad != nil {
		f.Problems = bad
		return d.renderProduct(c, fiber.StatusBadRequest, f)
	}
	return c.Redirect(base(c)+"/products?done=product", fiber.StatusSeeOther)
}
