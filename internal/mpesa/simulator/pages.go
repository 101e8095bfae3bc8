package simulator

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed templates/*.html
var templateFS embed.FS

// parsePages parses the embedded page templates; a broken template is a
// programmer error, so it panics at New.
func parsePages() *template.Template {
	return template.Must(template.New("pages").ParseFS(templateFS, "templates/*.html"))
}

// render writes the named page, or a 500 if the template fails.
func (s *Simulator) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("simulator: render page", "page", name, "error", err)
		http.Error(w, "simulator: page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// handleRoot sends the bare root to the index page.
func (s *Simulator) handleRoot(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.url("/simulator"), http.StatusFound)
}

// legendEntry is one test number as the pages list it.
type legendEntry struct {
	Phone, Text, URL string
}

func (s *Simulator) legend() []legendEntry {
	out := make([]legendEntry, 0, len(builtins)+1)
	for _, bi := range builtins {
		out = append(out, legendEntry{Phone: bi.phone, Text: bi.legend, URL: s.phoneURL(bi.phone)})
	}
	return append(out, legendEntry{Phone: "any other", Text: defaultLegend})
}

func (s *Simulator) phoneURL(phone string) string { return s.url("/simulator/phone/" + phone) }

// formatKES writes whole shillings with thousands separators: 1500 → "1,500".
func formatKES(n int64) string {
	digits := strconv.FormatInt(n, 10)
	var b []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, digits[i])
	}
	return string(b)
}

// stateLabel is how a state reads on the pages.
func stateLabel(t Transaction) string {
	switch t.State {
	case StatePending:
		return "Waiting for the customer"
	case StateSucceeded:
		return "Paid"
	case StateTimedOut:
		return "No answer (" + t.ResultCode + ")"
	}
	return "Failed: " + t.ResultDesc + " (" + t.ResultCode + ")"
}
