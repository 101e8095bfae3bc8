package simulator

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type indexPage struct {
	Rows         []indexRow
	Legend       []legendEntry
	Overrides    []legendEntry // behaviours set through the control API
	Chaos        string        // the chaos knobs in force, "" when off
	Shortcodes   []Shortcode
	Transactions string // URL of the JSON list
}

type indexRow struct {
	At, Phone, PhoneURL, Amount, ShortCode, AccountReference string
	State                                                    State
	StateLabel, Receipt, Callbacks, JSONURL                  string
}

// handleIndexPage serves GET /simulator: recent transactions with links to
// the phones.
func (s *Simulator) handleIndexPage(w http.ResponseWriter, _ *http.Request) {
	page := indexPage{
		Legend:       s.legend(),
		Shortcodes:   s.Shortcodes(),
		Transactions: s.url("/simulator/v1/transactions"),
		Chaos:        chaosSummary(s.Chaos()),
	}
	for phone, b := range s.Behaviours() {
		page.Overrides = append(page.Overrides, legendEntry{Phone: phone, Text: b.describe(), URL: s.phoneURL(phone)})
	}
	slices.SortFunc(page.Overrides, func(a, b legendEntry) int { return strings.Compare(a.Phone, b.Phone) })
	for _, t := range s.transactions("", 100) {
		page.Rows = append(page.Rows, indexRow{
			At:               t.CreatedAt.In(nairobi).Format(time.DateTime),
			Phone:            t.Phone,
			PhoneURL:         s.phoneURL(t.Phone),
			Amount:           formatKES(t.Amount),
			ShortCode:        t.ShortCode,
			AccountReference: t.AccountReference,
			State:            t.State,
			StateLabel:       stateLabel(t),
			Receipt:          t.Receipt,
			Callbacks:        callbackSummary(t.Callbacks),
			JSONURL:          s.url("/simulator/v1/transactions/" + t.CheckoutRequestID),
		})
	}
	s.render(w, "index.html", page)
}

// callbackSummary is "—", or the status code (or "error") of each attempt.
func callbackSummary(atts []CallbackAttempt) string {
	if len(atts) == 0 {
		return "—"
	}
	parts := make([]string, len(atts))
	for i, a := range atts {
		parts[i] = strconv.Itoa(a.StatusCode)
		if a.Error != "" {
			parts[i] = "error"
		}
	}
	return strings.Join(parts, ", ")
}

// chaosSummary is the knobs in a line, or "" when chaos injects nothing.
func chaosSummary(c Chaos) string {
	if c == (Chaos{Seed: c.Seed}) {
		return ""
	}
	return fmt.Sprintf("%s of callbacks dropped, %s duplicated, %s of pushes and queries spike-arrested, %s added latency (seed %d)",
		percent(c.DropCallbacks), percent(c.DuplicateCallbacks), percent(c.SpikeArrest), c.Latency, c.Seed)
}

// percent writes a fraction as a percentage with up to three significant
// digits: 0.3 → "30%".
func percent(f float64) string { return strconv.FormatFloat(f*100, 'g', 3, 64) + "%" }
