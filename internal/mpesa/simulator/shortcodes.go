package simulator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ShortcodeType says how a shortcode is paid.
type ShortcodeType string

// Shortcode types.
const (
	// TypePaybill pushes use CustomerPayBillOnline with PartyB = the shortcode.
	TypePaybill ShortcodeType = "paybill"
	// TypeTill pushes use CustomerBuyGoodsOnline with BusinessShortCode = the
	// store number and PartyB = the till number.
	TypeTill ShortcodeType = "till"
)

// Shortcode is a merchant the simulator knows.
type Shortcode struct {
	// Code is the BusinessShortCode: the paybill, or for a till the store
	// (head office) number.
	Code string `json:"shortcode"`
	// Passkey is the Lipa na M-Pesa Online passkey that signs Password.
	Passkey string `json:"passkey"`
	// Type is TypePaybill or TypeTill.
	Type ShortcodeType `json:"type"`
	// TillNumber is the PartyB of a till push; empty for a paybill.
	TillNumber string `json:"till_number,omitempty"`
	// Name is the merchant name the virtual phone shows in the prompt.
	Name string `json:"name"`
}

// transactionType is the TransactionType a push to this shortcode must use.
func (sc Shortcode) transactionType() string {
	if sc.Type == TypeTill {
		return typeBuyGoods
	}
	return typePayBill
}

// partyB is the PartyB a push to this shortcode must use.
func (sc Shortcode) partyB() string {
	if sc.Type == TypeTill {
		return sc.TillNumber
	}
	return sc.Code
}

func (sc Shortcode) validate() error {
	var errs []error
	if !isDigits(sc.Code, 5, 7) {
		errs = append(errs, errors.New("shortcode must be 5 to 7 digits"))
	}
	if sc.Passkey == "" {
		errs = append(errs, errors.New("passkey is required"))
	}
	switch sc.Type {
	case TypePaybill:
		if sc.TillNumber != "" {
			errs = append(errs, errors.New("till_number is only for type till"))
		}
	case TypeTill:
		if !isDigits(sc.TillNumber, 5, 7) {
			errs = append(errs, errors.New("till_number must be 5 to 7 digits"))
		}
	default:
		errs = append(errs, fmt.Errorf("type must be %q or %q", TypePaybill, TypeTill))
	}
	return errors.Join(errs...)
}

// RegisterShortcode adds sc, or replaces the shortcode with the same Code.
// An empty Name becomes "MERCHANT <code>".
func (s *Simulator) RegisterShortcode(sc Shortcode) error {
	if err := sc.validate(); err != nil {
		return err
	}
	if strings.TrimSpace(sc.Name) == "" {
		sc.Name = "MERCHANT " + sc.Code
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shortcodes[sc.Code] = sc
	return nil
}

// Shortcodes returns the registered shortcodes ordered by Code.
func (s *Simulator) Shortcodes() []Shortcode {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Shortcode, 0, len(s.shortcodes))
	for _, sc := range s.shortcodes {
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b Shortcode) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func (s *Simulator) shortcode(code string) (Shortcode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.shortcodes[code]
	return sc, ok
}
