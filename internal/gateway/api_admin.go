package gateway

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/audit"
	"github.com/sokohub/sokohub/tenants/stores"
)

// mountAdminAPI adds the platform console's JSON API (/api/v1/admin).
func (h *handlers) mountAdminAPI(api fiber.Router) {
	ad := api.Group("/admin")
	ad.Get("/stores", h.adminStores)
	ad.Get("/stores/:slug", h.adminStore)
	ad.Post("/stores/:slug/suspend", h.setStoreStatus(stores.StatusSuspended))
	ad.Post("/stores/:slug/reactivate", h.setStoreStatus(stores.StatusActive))
	ad.Get("/audit", h.adminAudit)
}

// adminStores is ?q=&page=&per_page=.
func (h *handlers) adminStores(c *fiber.Ctx) error {
	q := admin.Query{Search: c.Query("q"), Page: c.QueryInt("page", 1), PerPage: c.QueryInt("per_page", 25)}
	ss, total, err := admin.ListStores(c.UserContext(), h.DB, q)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": ss, "total": total, "page": max(q.Page, 1)})
}

func (h *handlers) adminStore(c *fiber.Ctx) error {
	d, err := admin.StoreDetail(c.UserContext(), h.DB, currentStore(c))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// setStoreStatus suspends or reactivates the store, {"reason"}.
func (h *handlers) setStoreStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if len(c.Body()) > 0 || status == stores.StatusSuspended {
			if err := decode(c, &in); err != nil {
				return err
			}
		}
		st := currentStore(c)
		policy.AccessOf(c).Detail = in.Reason
		err := admin.SetStatus(c.UserContext(), h.DB, st, currentUser(c).ID, status, in.Reason)
		if errors.Is(err, admin.ErrSameStatus) {
			return Fail(fiber.StatusConflict, "same_status", "The store is already "+status+".")
		}
		if err != nil {
			return err
		}
		h.Logger.InfoContext(c.UserContext(), "store status changed", "store_id", st.ID, "status", status, "actor", currentUser(c).ID)
		return c.JSON(st)
	}
}

// auditView is an audit entry as the API shows it.
type auditView struct {
	Actor   string    `json:"actor"`
	Subject string    `json:"subject"`
	Store   string    `json:"store"`
	Action  string    `json:"action"`
	IP      string    `json:"ip"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
}

func auditList(c *fiber.Ctx, es []audit.Entry) error {
	vs := make([]auditView, len(es))
	for i, e := range es {
		vs[i] = auditView{Actor: e.Actor, Subject: e.Subject, Store: e.Store, Action: e.Action, IP: e.IP,
			At: e.At, Outcome: e.Outcome}
	}
	return list(c, vs)
}

// adminAudit is ?store=<slug>&action=<action or prefix.>&limit=.
func (h *handlers) adminAudit(c *fiber.Ctx) error {
	es, err := audit.List(c.UserContext(), h.DB, audit.Filter{Store: c.Query("store"), Action: c.Query("action"), Limit: c.QueryInt("limit")})
	if err != nil {
		return err
	}
	return auditList(c, es)
}

// storeAudit is a store's own entries, for its owner.
func (h *handlers) storeAudit(c *fiber.Ctx) error {
	es, err := audit.List(c.UserContext(), h.DB, audit.Filter{Store: currentStore(c).Slug, Action: c.Query("action"), Limit: c.QueryInt("limit")})
	if err != nil {
		return err
	}
	return auditList(c, es)
}
