package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/tenants/stores"
)

type notificationsPage struct {
	Prefs    stores.NotificationPrefs
	Problems formError
}

func (d *Dashboard) notifications(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, "notifications", d.view(c, "Notifications", "settings",
		notificationsPage{Prefs: current(c).Prefs()}))
}

func (d *Dashboard) saveNotifications(c *fiber.Ctx) error {
	p := stores.NotificationPrefs{Email: c.FormValue("notify_email"), Phone: c.FormValue("notify_phone"),
		PaidEmail: c.FormValue("paid_email") == "1", PaidSMS: c.FormValue("paid_sms") == "1"}
	saved, err := stores.UpdatePrefs(c.UserContext(), d.DB, current(c).ID, p)
	bad, err := problems(err)
	if err != nil {
		return err
	}
	if bad != nil {
		return render(c, fiber.StatusBadRequest, "notifications", d.view(c, "Notifications", "settings",
			notificationsPage{Prefs: saved, Problems: bad}))
	}
	return c.Redirect(base(c)+"/settings/notifications?done=notifications", fiber.StatusSeeOther)
}
