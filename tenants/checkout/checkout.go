// Package checkout turns a customer's cart into a pending order and its
// first payment attempt, in one transaction with the stock reservation and
// the order.created event.
package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Errors the storefront shows the customer.
var (
	ErrStoreClosed = errors.New("checkout: this shop is not taking orders right now")
	ErrNotPayable  = errors.New("checkout: this shop has not set up M-Pesa payments yet")
	ErrPaid        = errors.New("checkout: this order is already paid")
	ErrNotPending  = errors.New("checkout: this order can no longer be paid")
)

// MaxLines and MaxQuantity bound one cart; MaxNoteLength bounds its
// delivery note, in characters.
const (
	MaxLines      = 50
	MaxQuantity   = 1000
	MaxNoteLength = 500
)

// Line is one product and quantity in a cart.
type Line struct {
	ProductID string `json:"product_id"`
	Quantity  int64  `json:"quantity"`
}

// Cart is what the customer submits.
type Cart struct {
	Items []Line
	Phone string
	Name  string
	Email string
	// Note is the customer's delivery note (where, when, landmarks),
	// refused as field "delivery_note" when over MaxNoteLength.
	Note string
}

// Placed is a new order with the secret that lets its customer see it.
type Placed struct {
	Order   *orders.Order
	Attempt *payments.Attempt
	// Token lets the customer see the order (X-Order-Token, and the ?t=
	// of links); only its hash is stored.
	Token string
}

// Service places orders.
type Service struct {
	db       *bun.DB
	payments *payments.Service
	tokens   tokens.Deriver
	prompts  PromptLimit
	admit    *Admission
	log      *slog.Logger
}

// NewService returns a Service that bounds the prompts to each phone by
// prompts and the checkouts running at once by admit (nil: no bound).
func NewService(d *bun.DB, p *payments.Service, t tokens.Deriver, prompts PromptLimit, admit *Admission, log *slog.Logger) *Service {
	return &Service{db: d, payments: p, tokens: t, prompts: prompts, admit: admit, log: log}
}

// Place validates cart against store's catalogue and writes the order, its
// items, the stock reservation, the first attempt and order.created in one
// transaction; then it dispatches the STK Push.
func (s *Service) Place(ctx context.Context, store *stores.Store, cart Cart) (*Placed, error) {
	if !store.Active() {
		return nil, ErrStoreClosed
	}
	phone, err := mpesa.NormalizePhone(cart.Phone)
	if err != nil {
		return nil, input.Invalid("phone", err.Error())
	}
	if err := validateCart(cart); err != nil {
		return nil, err
	}
	release, err := s.admit.Enter(ctx, store.ID)
	if err != nil {
		return nil, err
	}
	defer release()
	if ok, err := stores.HasCredentials(ctx, s.db, store.ID); err != nil {
		return nil, err // a database problem, not the merchant's setup
	} else if !ok {
		return nil, ErrNotPayable
	}
	var placed *Placed
	err = db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		var err error
		if placed, err = s.place(ctx, tx, store, cart, phone); err != nil {
			return err
		}
		return s.takePrompt(ctx, store.ID, phone)
	})
	if err != nil {
		return nil, err
	}
	s.payments.Dispatch(ctx, placed.Attempt)
	return placed, nil
}

func (s *Service) place(ctx context.Context, tx bun.IDB, store *stores.Store, cart Cart, phone string) (*Placed, error) {
	orderID := db.NewID("ord")
	items := make([]orders.Item, 0, len(cart.Items))
	var total int64
	for _, l := range cart.Items {
		p, err := catalog.Get(ctx, tx, store.ID, l.ProductID)
		if errors.Is(err, db.ErrNotFound) || err == nil && !p.Active {
			return nil, input.Invalid("items", fmt.Sprintf("product %q is not sold here", l.ProductID))
		}
		if err != nil {
			return nil, err
		}
		if err := catalog.Reserve(ctx, tx, store.ID, p.ID, l.Quantity); err != nil {
			return nil, err
		}
		line := p.Price * l.Quantity
		total += line
		items = append(items, orders.Item{ID: db.NewID("itm"), OrderID: orderID, StoreID: store.ID, ProductID: p.ID,
			Name: p.Name, UnitPrice: p.Price, Quantity: l.Quantity, LineTotal: line})
	}
	if _, err := mpesa.Shillings(total, store.Currency); err != nil {
		return nil, input.Invalid("items", err.Error())
	}
	number, err := stores.NextOrderNumber(ctx, tx, store.ID)
	if err != nil {
		return nil, err
	}
	token, hash := s.tokens.Token("order", orderID), s.tokens.Hash("order", orderID)
	now := db.Now()
	o := &orders.Order{ID: orderID, StoreID: store.ID, Number: number, Status: orders.StatusPending, Total: total,
		Currency: store.Currency, Phone: phone, CustomerName: strings.TrimSpace(cart.Name),
		CustomerEmail: strings.TrimSpace(cart.Email), DeliveryNote: strings.TrimSpace(cart.Note), TokenHash: hash, Sequence: 1, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(store.PendingTTL())}
	if err := orders.Insert(ctx, tx, o, items); err != nil {
		return nil, err
	}
	a, err := s.payments.Start(ctx, tx, store.ID, o.ID, phone, total, o.Currency)
	if err != nil {
		return nil, err
	}
	ref := outbox.StoreRef{ID: store.ID, Slug: store.Slug, Name: store.Name}
	snap := orders.SnapshotOf(o, items)
	if _, err := outbox.RecordFor(ctx, tx, ref, outbox.OrderCreated, o.ID, map[string]any{"order": snap}); err != nil {
		return nil, err
	}
	return &Placed{Order: o, Attempt: a, Token: token}, nil
}

func validateCart(c Cart) error {
	if len(c.Items) == 0 || len(c.Items) > MaxLines {
		return input.Invalid("items", fmt.Sprintf("add 1 to %d products to the order", MaxLines))
	}
	seen := map[string]bool{}
	for _, l := range c.Items {
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return input.Invalid("items", fmt.Sprintf("quantity must be between 1 and %d", MaxQuantity))
		}
		if seen[l.ProductID] {
			return input.Invalid("items", "list each product once, with its quantity")
		}
		seen[l.ProductID] = true
	}
	if len(c.Name) > 100 || len(c.Email) > 200 {
		return input.Invalid("customer", "name or email is too long")
	}
	if strings.ContainsFunc(c.Name, hidden) {
		return input.Invalid("customer", "write the name with letters, not control characters")
	}
	// Characters, not bytes, as the form's maxlength and the API's
	// maxLength count: a note in Swahili or with emoji gets the same room.
	if utf8.RuneCountInString(c.Note) > MaxNoteLength {
		return input.Invalid("delivery_note", fmt.Sprintf("keep the delivery note under %d characters", MaxNoteLength))
	}
	if email := strings.TrimSpace(c.Email); email != "" && !mailbox(email) {
		return input.Invalid("email", "enter a valid email address, or leave it empty")
	}
	return nil
}

// mailbox reports whether s is one bare address the notifier can mail
// (not "otieno@", a display name, a list, or a second header line).
func mailbox(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// hidden reports a character that has no place in a name: control
// characters (a line break would start a new line in messages and exports)
// and the bidirectional overrides that make text read otherwise than it is.
func hidden(r rune) bool {
	return unicode.IsControl(r) || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// Retry starts a new payment attempt on a pending order, to the same or
// another phone, once the previous attempt has resolved.
func (s *Service) Retry(ctx context.Context, store *stores.Store, o *orders.Order, phoneInput string) (*payments.Attempt, error) {
	if !store.Active() {
		return nil, ErrStoreClosed
	}
	switch o.Status {
	case orders.StatusPending:
	case orders.StatusPaid, orders.StatusFulfilled:
		return nil, ErrPaid
	default:
		return nil, ErrNotPending
	}
	phone := o.Phone
	if strings.TrimSpace(phoneInput) != "" {
		var err error
		if phone, err = mpesa.NormalizePhone(phoneInput); err != nil {
			return nil, input.Invalid("phone", err.Error())
		}
	}
	release, err := s.admit.Enter(ctx, store.ID)
	if err != nil {
		return nil, err
	}
	defer release()
	var a *payments.Attempt
	err = db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		// Re-check inside the transaction: a callback may have paid it.
		cur, err := orders.Get(ctx, tx, store.ID, o.ID)
		if err != nil {
			return err
		}
		if cur.Status != orders.StatusPending {
			return ErrPaid
		}
		if a, err = s.payments.Start(ctx, tx, store.ID, o.ID, phone, cur.Total, cur.Currency); err != nil {
			return err
		}
		return s.takePrompt(ctx, store.ID, phone)
	})
	if err != nil {
		return nil, err
	}
	s.payments.Dispatch(ctx, a)
	return a, nil
}
