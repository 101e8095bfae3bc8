package admin

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/input"
)

type invitationData struct {
	Invitation *Invitation
	StoreName  string
	Token      string
	Done       bool
	Problem    string
}

// invitationPage shows an invitation. The token in the path is the
// form's CSRF secret too: a page that does not know it cannot post here.
func (k *Console) invitationPage(c *fiber.Ctx) error {
	return k.renderInvitation(c, fiber.StatusOK, "", false)
}

func (k *Console) renderInvitation(c *fiber.Ctx, status int, problem string, done bool) error {
	token := c.Params("token")
	inv, st, err := k.Staff.Invitation(c.UserContext(), token)
	if errors.Is(err, ErrInvitationUsed) && !done {
		return fiber.NewError(fiber.StatusNotFound, "This invitation was already used or has expired. Ask the store's owner for a new one.")
	}
	d := invitationData{Invitation: inv, Token: token, Done: done, Problem: problem}
	if st != nil {
		d.StoreName = st.Name
	}
	if err != nil && !done {
		return err
	}
	return k.render(c, status, "invitation.html", "Invitation", d)
}

func (k *Console) acceptInvitation(c *fiber.Ctx) error {
	var user *auth.User
	if p := authweb.Current(c); p != nil && p.Session != nil {
		user = p.User
	}
	_, err := k.Staff.Accept(c.UserContext(), c.Params("token"), user, c.FormValue("password"), c.FormValue("name"))
	switch {
	case errors.Is(err, ErrInvitationUsed):
		return fiber.NewError(fiber.StatusNotFound, "This invitation was already used or has expired. Ask the store's owner for a new one.")
	case errors.Is(err, ErrWrongAccount):
		return k.renderInvitation(c, fiber.StatusConflict, "This invitation is for another email address. Log in with that one, or log out first.", false)
	case err != nil:
		if ie, ok := input.As(err); ok {
			return k.renderInvitation(c, fiber.StatusBadRequest, ie.Message, false)
		}
		return err
	}
	return k.renderInvitation(c, fiber.StatusOK, "", true)
}
