package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AfricasTalking sends SMS through Africa's Talking's messaging API
// (POST {base}/version1/messaging, form-encoded, apiKey header).
type AfricasTalking struct {
	// BaseURL is https://api.africastalking.com, or the sandbox's.
	BaseURL  string
	Username string
	APIKey   string
	// Sender is the platform's approved sender id, used when a store has
	// none; empty means the account's default.
	Sender string
	// Client defaults to one with a 15 s timeout.
	Client *http.Client
}

// Name is "africastalking".
func (*AfricasTalking) Name() string { return "africastalking" }

// atReply is the messaging API's answer.
type atReply struct {
	SMSMessageData struct {
		Message    string
		Recipients []struct {
			StatusCode int    `json:"statusCode"`
			Number     string `json:"number"`
			Status     string `json:"status"`
			MessageID  string `json:"messageId"`
		}
	}
}

// Send posts one message to one number. The per-recipient statusCode
// decides: 100-102 (processed, sent, queued) succeed; 401-409 (risk hold,
// invalid sender id or number, unsupported number type, insufficient
// balance, blacklisted, no route, do-not-disturb) fail for good; anything
// else (500-502, gateway trouble, an answer we cannot read) is retried.
func (p *AfricasTalking) Send(ctx context.Context, n *Notification) (string, error) {
	form := url.Values{"username": {p.Username}, "to": {"+" + strings.TrimPrefix(n.Recipient, "+")}, "message": {n.Body}}
	if from := cmp.Or(n.Sender, p.Sender); from != "" {
		form.Set("from", from)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(p.BaseURL, "/")+"/version1/messaging",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%w: africastalking: build request: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("apiKey", p.APIKey)
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		// The URL and key are ours, not the message's: say only what failed.
		return "", fmt.Errorf("africastalking: request failed: %w", unwrapURLError(err))
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		err := fmt.Errorf("africastalking: HTTP %d: %s", res.StatusCode, snippet(body))
		if res.StatusCode == http.StatusBadRequest {
			return "", fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return "", err // 401/403 (a key being fixed), 429, 5xx: retry
	}
	var reply atReply
	if err := json.Unmarshal(body, &reply); err != nil || len(reply.SMSMessageData.Recipients) == 0 {
		return "", fmt.Errorf("africastalking: unexpected answer: %s", snippet(body))
	}
	r := reply.SMSMessageData.Recipients[0]
	switch {
	case r.StatusCode >= 100 && r.StatusCode <= 102:
		return r.MessageID, nil
	case r.StatusCode >= 401 && r.StatusCode <= 409:
		return "", fmt.Errorf("%w: africastalking: %d %s", ErrPermanent, r.StatusCode, r.Status)
	default:
		return "", fmt.Errorf("africastalking: %d %s", r.StatusCode, r.Status)
	}
}

// unwrapURLError drops *url.Error's "Post <url>:" prefix.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
