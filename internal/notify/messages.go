package notify

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/money"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// platformName signs the messages the platform sends sellers.
const platformName = "SokoHub"

// eventData is the part of an event payload the messages use.
type eventData struct {
	Order   *orders.Snapshot `json:"order"`
	Payment struct {
		ID            string `json:"id"`
		Receipt       string `json:"receipt"`
		FailureReason string `json:"failure_reason"`
		ResultCode    string `json:"result_code"`
	} `json:"payment"`
	Issue struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		Receipt  string `json:"receipt"`
	} `json:"issue"`
	PromptedAmount int64 `json:"prompted_amount"`
	Endpoint       struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	} `json:"endpoint"`
	Reason string `json:"reason"`
}

// composer builds the messages of one event.
type composer struct {
	s        *Service
	e        *outbox.Event
	store    *stores.Store
	settings *Settings
	order    *orders.Order // nil for events without one
	d        eventData
	// phone is the payment attempt's phone when the event names one.
	phone string
	// sellerEmail is where the seller's emails go.
	sellerEmail string
	out         []*Notification
}

// Fanout is the relay's consumer: it writes the messages events es cause,
// in the relay's transaction, and returns their send jobs. A message is
// unique per (event, kind, channel), so an event relayed twice sends
// nothing twice.
func (s *Service) Fanout(ctx context.Context, tx bun.IDB, es []outbox.Event) ([]queue.Job, error) {
	cs, err := s.composers(ctx, tx, es)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	var ns []*Notification
	for _, c := range cs {
		c.compose(c.contact())
		ns = append(ns, c.out...)
	}
	if len(ns) == 0 {
		return nil, nil
	}
	inserted, err := db.InsertNew(ctx, tx, &ns, "event_id, kind, channel")
	if err != nil {
		return nil, err
	}
	// One task sends an event's messages: a paid order's three messages
	// are one dequeue and one claim, not three.
	var jobs []queue.Job
	queued := map[string]bool{}
	for _, n := range ns {
		if inserted[n.ID] && !queued[n.EventID] {
			queued[n.EventID] = true
			jobs = append(jobs, queue.Job{Type: queue.TypeNotifyEvent, ID: n.EventID, StoreID: n.StoreID})
		}
	}
	return jobs, nil
}

// contact is where the seller hears from us.
type contact struct {
	email, phone       string
	paidEmail, paidSMS bool
}

// contact is the store's notification preferences; the email defaults
// to the owner's account email.
func (c *composer) contact() contact {
	p := c.store.Prefs()
	return contact{email: c.sellerEmail, phone: p.Phone, paidEmail: p.PaidEmail, paidSMS: p.PaidSMS}
}

// needsOrder reports whether c's event is about an order, which its
// messages then quote.
func (c *composer) needsOrder() bool {
	return strings.HasPrefix(c.e.Type, "order.") || strings.HasPrefix(c.e.Type, "payment.")
}

func (c *composer) compose(seller contact) {
	switch c.e.Type {
	case outbox.OrderPaid:
		c.customerPaid()
		if seller.paidEmail || seller.paidSMS {
			subject, body := c.sellerNewOrder()
			c.seller(KindSellerNewOrder, seller, seller.paidEmail, seller.paidSMS, subject, body)
		}
	case outbox.OrderPaymentFailed:
		c.customerFailed()
		if info := mpesa.Classify(c.d.Payment.ResultCode); info.Kind == mpesa.ResultConfigError {
			c.seller(KindSellerPayment, seller, true, seller.phone != "",
				fmt.Sprintf("M-Pesa set-up problem on %s", c.store.Name),
				fmt.Sprintf("A customer could not pay order #%d on %s because of the store's M-Pesa set-up: %s "+
					"Check the paybill or till number and the credentials in your store settings.",
					c.order.Number, c.store.Name, info.MerchantReason))
		}
	case outbox.PaymentOverpaid:
		c.seller(KindSellerPayment, seller, true, seller.phone != "",
			fmt.Sprintf("Order #%d was paid twice", c.order.Number),
			fmt.Sprintf("Order #%d on %s was already paid when a second M-Pesa payment of %s arrived (receipt %s). "+
				"Refund it, or match it to another order, from your store's payment issues.",
				c.order.Number, c.store.Name, money.Format(c.d.Issue.Amount, c.d.Issue.Currency), c.d.Issue.Receipt))
	case outbox.PaymentUnmatched:
		c.seller(KindSellerPayment, seller, true, seller.phone != "",
			fmt.Sprintf("Unmatched M-Pesa payment for order #%d", c.order.Number),
			fmt.Sprintf("M-Pesa reported %s (receipt %s) for order #%d on %s, which was prompted for %s, so the order "+
				"is not paid. Match the payment to an order, or refund it, from your store's payment issues.",
				money.Format(c.d.Issue.Amount, c.d.Issue.Currency), c.d.Issue.Receipt, c.order.Number, c.store.Name,
				money.Format(c.d.PromptedAmount, c.d.Issue.Currency)))
	case outbox.EndpointPaused, outbox.EndpointDisabled:
		what, held := "paused", "Deliveries are held and will be sent when you resume it"
		if c.e.Type == outbox.EndpointDisabled {
			what, held = "disabled", "New events are not sent to it until you resume it"
		}
		c.seller(KindSellerEndpoint, seller, true, seller.phone != "",
			fmt.Sprintf("Webhook endpoint %s on %s", what, c.store.Name),
			fmt.Sprintf("Your webhook endpoint %s was %s: %s. %s: POST /api/v1/stores/%s/webhooks/%s/resume once it works.",
				c.d.Endpoint.URL, what, c.d.Reason, held, c.store.Slug, c.d.Endpoint.ID))
	}
}

// customerPaid is the order confirmation: SMS, and email when given.
func (c *composer) customerPaid() {
	o := c.order
	// Paid on M-Pesa's word without its receipt (an STK Query, the callback
	// lost or late): the customer has the number in M-Pesa's own SMS.
	receipt := cmp.Or(c.d.Payment.Receipt, "(confirmed by M-Pesa; the number is in the SMS from M-Pesa)")
	amount, link := money.Format(o.Total, o.Currency), c.link()
	c.customer(KindOrderConfirmation, fmt.Sprintf("%s: order #%d is paid", c.store.Name, o.Number),
		fmt.Sprintf("%s: order #%d is paid. %s, M-Pesa receipt %s. See your order: %s", c.store.Name, o.Number, amount, receipt, link),
		fmt.Sprintf("Thank you for your order.\n\nOrder: #%d\nAmount: %s\nM-Pesa receipt: %s\n%s\nSee your order at any time: %s\n\n%s",
			o.Number, amount, receipt, c.itemLines(), link, c.store.Name))
}

// customerFailed says the payment did not go through and how to retry.
func (c *composer) customerFailed() {
	o := c.order
	amount, link := money.Format(o.Total, o.Currency), c.link()
	reason := strings.TrimSuffix(cmp.Or(c.d.Payment.FailureReason, "M-Pesa did not confirm it"), ".")
	c.customer(KindPaymentFailed, fmt.Sprintf("%s: payment for order #%d did not go through", c.store.Name, o.Number),
		fmt.Sprintf("%s: your M-Pesa payment of %s for order #%d did not go through: %s. To try again, open %s and press Pay again.",
			c.store.Name, amount, o.Number, reason, link),
		fmt.Sprintf("Your M-Pesa payment of %s for order #%d did not go through: %s.\n\nYour order is kept for you. "+
			"To try again (with the same phone or another one), open %s and press Pay again.\n\n%s",
			amount, o.Number, reason, link, c.store.Name))
}

func (c *composer) sellerNewOrder() (subject, body string) {
	o := c.order
	amount := money.Format(o.Total, o.Currency)
	// Confirmed without a receipt (an STK Query): the callback that carries
	// it may never come; the customer has the number in M-Pesa's SMS.
	receipt := cmp.Or(c.d.Payment.Receipt, "not sent to us (payment confirmed by M-Pesa; the customer has the number in M-Pesa's SMS)")
	return fmt.Sprintf("New paid order #%d: %s", o.Number, amount),
		fmt.Sprintf("New paid order #%d on %s: %s from %s, M-Pesa receipt %s.\n%s", o.Number, c.store.Name, amount,
			customerName(o), receipt, c.itemLines())
}

func customerName(o *orders.Order) string {
	if o.CustomerName != "" {
		return o.CustomerName + " (" + mpesa.MaskPhone(o.Phone) + ")"
	}
	return mpesa.MaskPhone(o.Phone)
}

func (c *composer) itemLines() string {
	if c.d.Order == nil {
		return ""
	}
	var b strings.Builder
	for _, it := range c.d.Order.Items {
		fmt.Fprintf(&b, "  %d × %s  %s\n", it.Quantity, it.Name, money.Format(it.LineTotal, c.d.Order.Currency))
	}
	return b.String()
}

func (c *composer) link() string {
	return fmt.Sprintf("%s/s/%s/orders/%s?t=%s", c.s.PublicURL, c.store.Slug, c.order.ID, c.s.Tokens.Token("order", c.order.ID))
}

// customer adds the SMS to the order's phone, and the email when the
// customer gave one, both under the store's sender names.
func (c *composer) customer(kind, subject, sms, email string) {
	c.add(kind, ChannelSMS, cmp.Or(c.phone, c.order.Phone), c.settings.SMSSenderID, "", sms)
	if c.order.CustomerEmail != "" {
		c.add(kind, ChannelEmail, c.order.CustomerEmail, cmp.Or(c.settings.EmailFromName, c.store.Name), subject, email)
	}
}

// seller adds the seller's email and SMS, as asked.
func (c *composer) seller(kind string, to contact, email, sms bool, subject, body string) {
	if email && to.email != "" {
		c.add(kind, ChannelEmail, to.email, platformName, subject, body+"\n\n"+platformName)
	}
	if sms && to.phone != "" {
		c.add(kind, ChannelSMS, to.phone, "", "", platformName+": "+strings.ReplaceAll(body, "\n", " "))
	}
}

func (c *composer) add(kind, channel, to, sender, subject, body string) {
	n := &Notification{ID: db.NewID("ntf"), StoreID: c.store.ID, EventID: c.e.ID, OrderID: c.e.OrderID, Kind: kind,
		Channel: channel, Recipient: to, Sender: sender, Subject: subject, Body: body, Status: StatusPending,
		Provider: c.s.providers[channel].Name(), CreatedAt: db.Now()}
	c.out = append(c.out, n)
}
