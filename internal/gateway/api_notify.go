package gateway

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/notify"
)

// mountNotifyAPI adds the store's sender names: what its customers see an
// SMS or email come from.
func (h *handlers) mountNotifyAPI(st fiber.Router) {
	st.Get("/notifications/settings", h.requireOwner, h.getNotifySettings)
	st.Put("/notifications/settings", h.requireOwner, h.putNotifySettings)
}

func (h *handlers) getNotifySettings(c *fiber.Ctx) error {
	s, err := notify.GetSettings(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

func (h *handlers) putNotifySettings(c *fiber.Ctx) error {
	var in struct {
		SMSSenderID   string `json:"sms_sender_id"`
		EmailFromName string `json:"email_from_name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	s, err := notify.SaveSettings(c.UserContext(), h.DB, currentStore(c).ID,
		notify.Settings{SMSSenderID: in.SMSSenderID, EmailFromName: in.EmailFromName})
	if err != nil {
		return err
	}
	return c.JSON(s)
}
