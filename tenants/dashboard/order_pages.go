package dashboard

import (
	"encoding/csv"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/orders"
)

// statuses are the filter's choices, in the order orders move.
var statuses = []string{orders.StatusPending, orders.StatusPaid, orders.StatusFulfilled, orders.StatusExpired, orders.StatusCancelled}

// listLimit bounds the orders page; the CSV takes many more.
const (
	listLimit = 200
	csvLimit  = 50_000
)

type ordersPage struct {
	Orders   []orders.Order
	Statuses []string
	Status   string
	Query    string
	CSV      string
	Setup    string
}

// filter reads ?status= and ?q=; an unknown status is a 400 page.
func filter(c *fiber.Ctx, limit int) (orders.Filter, error) {
	f := orders.Filter{Status: c.Query("status"), Query: c.Query("q"), Limit: limit}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		return f, input.Invalid("status", "Pick a status from the list.")
	}
	return f, nil
}

func (d *Dashboard) orders(c *fiber.Ctx) error {
	f, err := filter(c, listLimit)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	os, err := orders.Search(c.UserContext(), d.DB, current(c).ID, f)
	if err != nil {
		return err
	}
	next, err := d.nextStep(c)
	if err != nil {
		return err
	}
	q := c.Request().URI().QueryArgs().String()
	p := ordersPage{Orders: os, Statuses: statuses, Status: f.Status, Query: f.Query, CSV: base(c) + "/orders.csv", Setup: next}
	if q != "" {
		p.CSV += "?" + q
	}
	return render(c, fiber.StatusOK, "orders", d.view(c, "Orders", "orders", p))
}

// ordersCSV exports what the list shows (same filters) for a spreadsheet.
// Phone numbers and receipts are written as text so spreadsheets keep
// their digits.
func (d *Dashboard) ordersCSV(c *fiber.Ctx) error {
	f, err := filter(c, csvLimit)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	os, err := orders.Search(c.UserContext(), d.DB, current(c).ID, f)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+current(c).Slug+`-orders.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Set whole: Type("csv", "utf-8") appends a charset to the system's
	// MIME type for .csv, which may already carry one.
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"number", "created_at", "status", "total_kes", "currency", "customer", "phone", "email",
		"receipt", "paid_at", "fulfilled_at", "delivery_note"})
	for _, o := range os {
		_ = w.Write([]string{strconv.FormatInt(o.Number, 10), stamp(o.CreatedAt), o.Status,
			strconv.FormatInt(o.Total/100, 10), o.Currency, cell(o.CustomerName), cell(o.Phone), cell(o.CustomerEmail),
			cell(o.Receipt), stamp(o.PaidAt), stamp(o.FulfilledAt), cell(o.DeliveryNote)})
	}
	w.Flush()
	return w.Error()
}

// cell keeps a customer-typed value from being read as a spreadsheet
// formula (CSV injection).
func cell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// stamp writes every time of the export the same way, in Nairobi time,
// as the merchant reads their day.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(nairobi).Format("2006-01-02 15:04")
}

type orderPage struct {
	Order         *orders.Order
	Items         []orders.Item
	Attempts      []payments.Attempt
	Notifications []notify.Notification
	Deliveries    []webhooks.LoggedDelivery
	CanFulfil     bool
	Problem       string
}

func (d *Dashboard) order(c *fiber.Ctx) error { return d.renderOrder(c, fiber.StatusOK, "") }

func (d *Dashboard) renderOrder(c *fiber.Ctx, status int, problem string) error {
	ctx, storeID := c.UserContext(), current(c).ID
	o, err := orders.Get(ctx, d.DB, storeID, c.Params("id"))
	if err != nil {
		return err
	}
	p := orderPage{Order: o, CanFulfil: o.Status == orders.StatusPaid, Problem: problem}
	if p.Items, err = orders.Items(ctx, d.DB, storeID, o.ID); err != nil {
		return err
	}
	if p.Attempts, err = payments.ForOrder(ctx, d.DB, storeID, o.ID); err != nil {
		return err
	}
	if p.Notifications, err = notify.ForOrder(ctx, d.DB, storeID, o.ID); err != nil {
		return err
	}
	if manager(c) {
		if p.Deliveries, err = webhooks.ListDeliveries(ctx, d.DB, webhooks.DeliveryFilter{StoreID: storeID, OrderID: o.ID}); err != nil {
			return err
		}
	}
	return render(c, status, "order", d.view(c, "Order #"+strconv.FormatInt(o.Number, 10), "orders", p))
}

// fulfil marks a paid order as sent; the order.fulfilled event goes out
// with it.
func (d *Dashboard) fulfil(c *fiber.Ctx) error {
	o, err := orders.MarkFulfilled(c.UserContext(), d.DB, current(c).ID, c.Params("id"))
	if errors.Is(err, orders.ErrNotFulfillable) {
		return d.renderOrder(c, fiber.StatusConflict, "Only a paid order can be marked fulfilled.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(base(c)+"/orders/"+o.ID+"?done=fulfilled", fiber.StatusSeeOther)
}
