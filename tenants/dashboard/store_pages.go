package dashboard

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/tenants/stores"
)

type signupForm struct {
	Name, Email string
	Problems    formError
}

func (d *Dashboard) signupPage(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, "signup", d.view(c, "Open your shop", "", signupForm{}))
}

// signup creates the merchant's account, signs them in and sends them on
// to opening their store.
func (d *Dashboard) signup(c *fiber.Ctx) error {
	f := signupForm{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email"))}
	u, _, err := d.Auth.Signup(c.UserContext(), f.Email, c.FormValue("password"), f.Name)
	if err == auth.ErrEmailTaken {
		f.Problems = formError{"email": "An account with this email exists already: log in instead."}
	} else if f.Problems, err = problems(err); err != nil {
		return err
	}
	if f.Problems != nil {
		return render(c, fiber.StatusBadRequest, "signup", d.view(c, "Open your shop", "", f))
	}
	if err := d.Web.SignIn(c, u); err != nil {
		return err
	}
	return c.Redirect("/dashboard/new", fiber.StatusSeeOther)
}

// index sends the merchant to their store (or to opening one); with
// several stores it lists them.
func (d *Dashboard) index(c *fiber.Ctx) error {
	ss, err := stores.ForUser(c.UserContext(), d.DB, authweb.User(c).ID)
	if err != nil {
		return err
	}
	switch len(ss) {
	case 0:
		return c.Redirect("/dashboard/new", fiber.StatusSeeOther)
	case 1:
		return c.Redirect("/dashboard/"+ss[0].Slug, fiber.StatusSeeOther)
	}
	return render(c, fiber.StatusOK, "index", d.view(c, "Your stores", "", ss))
}

type newStoreForm struct {
	Name, Slug string
	Problems   formError
}

func (d *Dashboard) newStorePage(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, "new_store", d.view(c, "Open a store", "", newStoreForm{}))
}

func (d *Dashboard) createStore(c *fiber.Ctx) error {
	f := newStoreForm{Name: c.FormValue("name"), Slug: strings.ToLower(strings.TrimSpace(c.FormValue("slug")))}
	st, err := stores.Create(c.UserContext(), d.DB, authweb.User(c).ID, f.Slug, f.Name)
	if err == stores.ErrSlugTaken {
		f.Problems = formError{"slug": "Another store has this address already; try another."}
	} else if f.Problems, err = problems(err); err != nil {
		return err
	}
	if f.Problems != nil {
		return render(c, fiber.StatusBadRequest, "new_store", d.view(c, "Open a store", "", f))
	}
	// stores.Create wrote the owner's membership; this tells the policy.
	if err := d.Policy.SetStoreRole(authweb.User(c).ID, st.ID, policy.RoleOwner); err != nil {
		return err
	}
	return c.Redirect("/dashboard/"+st.Slug+"/setup/store", fiber.StatusSeeOther)
}

// home is the orders list: the first thing a merchant wants to see. A
// store that is not set up yet starts the wizard instead.
func (d *Dashboard) home(c *fiber.Ctx) error {
	next, err := d.nextStep(c)
	if err != nil {
		return err
	}
	if next != "" && manager(c) {
		return c.Redirect(base(c)+"/setup/"+next, fiber.StatusSeeOther)
	}
	return c.Redirect(base(c)+"/orders", fiber.StatusSeeOther)
}
