package simulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

type indexPage struct {
	Rows         []indexRow
	Legend       []legendEntry
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
	}
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
