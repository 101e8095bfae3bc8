package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/payments"
)

// SimTransaction is what the simulator recorded of one STK Push.
type SimTransaction struct {
	CheckoutRequestID string `json:"checkout_request_id"`
	State             string `json:"state"`
	Receipt           string `json:"receipt"`
	Amount            int64  `json:"amount"`
	AccountReference  string `json:"account_reference"`
}

// Transactions is the simulator's record of every push.
func (c *Cluster) Transactions(ctx context.Context) ([]SimTransaction, error) {
	var out struct{ Data []SimTransaction }
	sim := &Client{Base: c.SimURL(), HTTP: &http.Client{Timeout: 10 * time.Second}}
	st, err := sim.Do(ctx, "GET", sim.Base+"/simulator/v1/transactions", nil, &out)
	if err == nil && st != http.StatusOK {
		err = fmt.Errorf("simulator transactions: status %d", st)
	}
	return out.Data, err
}

type orderRow struct {
	ID      string
	Slug    string
	Number  int64
	Status  string
	Total   int64
	Receipt string
}

// Report is one look at the cluster against the simulator's record.
type Report struct {
	// Problems lists every broken promise; empty means settled and sound.
	Problems []string
	Orders   int // orders taken
	Paid     int // orders paid
	Charges  int // successful payments the simulator made
}

// Check compares the database, the webhook receiver, the notification
// outbox (the workers' logs) and the queues with the simulator's record:
// every successful payment has exactly one paid order and no order is
// paid without one; every event reached the receiver and every paid order
// its order.paid; each paid order has one confirmation, sent once; and
// nothing is left unfinished in the database or the queues.
func (c *Cluster) Check(ctx context.Context) (Report, error) {
	var r Report
	txs, err := c.Transactions(ctx)
	if err != nil {
		return r, err
	}
	var orders []orderRow
	if err := c.DB.NewSelect().TableExpr("orders AS o").Join("JOIN stores AS s ON s.id = o.store_id").
		ColumnExpr("o.id, s.slug, o.number, o.status, o.total, COALESCE(o.receipt, '') AS receipt").Scan(ctx, &orders); err != nil {
		return r, err
	}
	r.Orders = len(orders)
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }

	byRef := map[string]orderRow{}
	for _, o := range orders {
		byRef[payments.AccountReference(o.Slug, o.Number)] = o
	}
	charges := map[string][]SimTransaction{} // by account reference
	for _, tx := range txs {
		if tx.State == "succeeded" {
			charges[tx.AccountReference] = append(charges[tx.AccountReference], tx)
			r.Charges++
		}
	}
	for ref, paid := range charges {
		o, ok := byRef[ref]
		switch {
		case !ok:
			problem("payment %s (%s) has no order", paid[0].Receipt, ref)
		case len(paid) > 1:
			problem("order %s was charged %d times", ref, len(paid))
		case o.Status != "paid":
			problem("order %s is %s although %s paid it", ref, o.Status, paid[0].Receipt)
		case o.Receipt != "" && o.Receipt != paid[0].Receipt || o.Total != paid[0].Amount*100:
			// An order settled by an STK Query has no receipt until the
			// callback (if it ever comes) fills it in.
			problem("order %s records %s for %d, the simulator %s for %d", ref, o.Receipt, o.Total, paid[0].Receipt, paid[0].Amount*100)
		}
	}
	var paidIDs []string
	paidBy := map[string]string{} // receipt to the order it paid
	for ref, o := range byRef {
		if o.Status != "paid" {
			continue
		}
		paidIDs = append(paidIDs, o.ID)
		if len(charges[ref]) == 0 {
			problem("order %s is paid without money", ref)
		}
		if other, ok := paidBy[o.Receipt]; ok && o.Receipt != "" {
			problem("payment %s paid two orders, %s and %s", o.Receipt, other, ref)
		}
		paidBy[o.Receipt] = ref
	}
	r.Paid = len(paidIDs)
	r.Problems = append(r.Problems, c.checkWebhooks(ctx, paidIDs)...)
	r.Problems = append(r.Problems, c.checkNotifications(ctx, orders)...)
	r.Problems = append(r.Problems, c.checkDrained(ctx)...)
	slices.Sort(r.Problems)
	return r, nil
}

func (c *Cluster) checkWebhooks(ctx context.Context, paidIDs []string) []string {
	var problems []string
	accepted := c.Hooks.Accepted()
	var events []struct{ ID, Type string }
	if err := c.DB.NewSelect().TableExpr("events").Column("id", "type").
		Where("type IN (?)", bun.In([]string{"order.created", "order.paid", "order.payment_failed"})).Scan(ctx, &events); err != nil {
		return []string{err.Error()}
	}
	missing := 0
	for _, e := range events {
		if accepted[e.ID].Times == 0 {
			missing++
		}
	}
	if missing > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d events not delivered to the receiver", missing, len(events)))
	}
	paidHook := map[string]bool{}
	for _, d := range accepted {
		if d.Type == "order.paid" {
			paidHook[d.OrderID] = true
		}
	}
	for _, id := range paidIDs {
		if !paidHook[id] {
			problems = append(problems, "paid order "+id+" has no order.paid webhook delivered")
		}
	}
	return problems
}

// checkNotifications: one confirmation SMS per paid order, recorded sent
// once and sent (logged by the log provider) once, and none for an order
// that is not paid.
func (c *Cluster) checkNotifications(ctx context.Context, orders []orderRow) []string {
	var problems []string
	var rows []struct {
		OrderID string
		Status  string
	}
	if err := c.DB.NewSelect().TableExpr("notifications").Column("order_id", "status").
		Where("kind = 'order_confirmation'").Where("channel = 'sms'").Scan(ctx, &rows); err != nil {
		return []string{err.Error()}
	}
	per := map[string]int{}
	for _, n := range rows {
		if n.Status == "sent" {
			per[n.OrderID]++
		}
	}
	for _, o := range orders {
		switch {
		case o.Status == "paid" && per[o.ID] != 1:
			problems = append(problems, fmt.Sprintf("paid order %s has %d sent confirmation SMS rows", o.ID, per[o.ID]))
		case o.Status != "paid" && per[o.ID] > 0:
			problems = append(problems, fmt.Sprintf("order %s is %s but was confirmed paid by SMS", o.ID, o.Status))
		}
	}
	// The log provider is the outbox: a message sent twice is two lines.
	sent := map[string]int{}
	for _, w := range c.Workers {
		for _, l := range w.LogLines("notification") {
			if l["kind"] == "order_confirmation" && l["channel"] == "sms" {
				sent[fmt.Sprint(l["store_id"], l["body"])]++
			}
		}
	}
	for body, n := range sent {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("confirmation sent %d times: %.60s", n, body))
		}
	}
	return problems
}

func (c *Cluster) checkDrained(ctx context.Context) []string {
	var problems []string
	counts := []struct {
		what, table, where string
	}{
		{"payment attempts unresolved", "payment_attempts", "status IN ('queued', 'prompted')"},
		{"callbacks unprocessed", "callbacks", "processed_at IS NULL"},
		{"events not relayed", "events", "relayed_at IS NULL"},
		{"webhook deliveries pending", "webhook_deliveries", "status = 'pending'"},
		{"notifications pending", "notifications", "status = 'pending'"},
	}
	for _, q := range counts {
		n, err := c.DB.NewSelect().TableExpr(q.table).Where(q.where).Count(ctx)
		if err != nil {
			return append(problems, err.Error())
		}
		if n > 0 {
			problems = append(problems, fmt.Sprintf("%d %s", n, q.what))
		}
	}
	insp := c.Inspector()
	// An Asynq client registers a queue's name once per process, so after
	// the namespace was wiped the inspector would not find the queues
	// (that tasks still flow through) until a restart: name them again.
	for name := range c.Names().Weights() {
		c.Redis.SAdd(ctx, "asynq:queues", name)
	}
	for name := range c.Names().Weights() {
		info, err := insp.GetQueueInfo(name)
		if errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		}
		if err != nil {
			return append(problems, err.Error())
		}
		if info.Pending+info.Active+info.Retry > 0 {
			problems = append(problems, fmt.Sprintf("queue %s not drained: %d pending, %d active, %d retry",
				name, info.Pending, info.Active, info.Retry))
		}
	}
	return problems
}

// Settle polls Check until it finds no problem, up to d, and returns how
// long that took from since; each (when not nil) sees every report with
// problems. While it waits it logs what is left, when that changes and at
// most every 15 s; if it gives up, it logs the story of the orders still
// wrong.
func (c *Cluster) Settle(t testing.TB, since time.Time, d time.Duration, each func(Report)) (time.Duration, Report) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(d)
	var said string
	var saidAt time.Time
	for {
		r, err := c.Check(ctx)
		if err != nil {
			r.Problems = []string{"check: " + err.Error()}
		}
		if len(r.Problems) == 0 {
			return time.Since(since), r
		}
		if time.Now().After(deadline) {
			for _, id := range orderIDs(r.Problems, 3) {
				t.Logf("story of %s:\n%s", id, c.Story(ctx, id))
			}
			return time.Since(since), r
		}
		if each != nil {
			each(r)
		}
		if left := summary(r.Problems); left != said && time.Since(saidAt) > 15*time.Second {
			t.Logf("%s in, still: %s", time.Since(since).Round(time.Second), left)
			said, saidAt = left, time.Now()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// summary is the first few problems, for a log line.
func summary(problems []string) string {
	s := strings.Join(problems[:min(len(problems), 4)], "; ")
	if len(problems) > 4 {
		s += fmt.Sprintf("; and %d more", len(problems)-4)
	}
	return s
}

var orderID = regexp.MustCompile(`\bord_[0-9a-z]+`)

// orderIDs are the first n order ids the problems name.
func orderIDs(problems []string, n int) []string {
	var ids []string
	for _, p := range problems {
		for _, id := range orderID.FindAllString(p, -1) {
			if len(ids) < n && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// Story is everything the database and the processes' logs hold about
// order id: its row, payment attempts, events, deliveries and
// notifications (as JSON: PostgreSQL only), then the log lines naming the
// order or one of its attempts.
func (c *Cluster) Story(ctx context.Context, id string) string {
	var b strings.Builder
	for _, q := range []struct{ table, where string }{
		{"orders", "id = ?"},
		{"payment_attempts", "order_id = ?"},
		{"events", "order_id = ?"},
		{"webhook_deliveries", "event_id IN (SELECT id FROM events WHERE order_id = ?)"},
		{"notifications", "order_id = ?"},
	} {
		var rows []string
		err := c.DB.NewRaw("SELECT row_to_json(t)::text FROM "+q.table+" AS t WHERE "+q.where, id).Scan(ctx, &rows)
		if err != nil {
			rows = []string{err.Error()}
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "%s: %s\n", q.table, r)
		}
	}
	var attempts []string
	_ = c.DB.NewRaw("SELECT id FROM payment_attempts WHERE order_id = ?", id).Scan(ctx, &attempts) // none: the order's id alone
	names := append(attempts, id)
	for _, p := range append(slices.Clone(c.Workers), c.Gateways...) {
		for _, line := range strings.Split(p.Logs(), "\n") {
			if slices.ContainsFunc(names, func(n string) bool { return strings.Contains(line, n) }) {
				fmt.Fprintf(&b, "%s: %s\n", p.Name, line)
			}
		}
	}
	return b.String()
}
