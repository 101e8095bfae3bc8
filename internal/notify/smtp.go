package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMTP sends email through a submission server: STARTTLS (required unless
// turned off for a local dev server), then AUTH PLAIN, one text/plain
// message per notification.
type SMTP struct {
	// Addr is host:port (587 for submission).
	Addr               string
	Username, Password string
	// From is the address messages come from; the display name is the
	// notification's Sender (the store's name).
	From     string
	StartTLS bool
	// TLSConfig is for tests (a private CA); nil verifies the server's
	// certificate against the system roots.
	TLSConfig *tls.Config
	// Timeout bounds one whole send; defaults to 30 s.
	Timeout time.Duration
}

// Name is "smtp".
func (*SMTP) Name() string { return "smtp" }

// Send delivers n by SMTP. A 5xx reply (no such mailbox, refused sender)
// is permanent; a 4xx or a network problem is retried.
func (p *SMTP) Send(ctx context.Context, n *Notification) (string, error) {
	to, err := mail.ParseAddress(n.Recipient)
	if err != nil {
		return "", fmt.Errorf("%w: smtp: invalid recipient", ErrPermanent)
	}
	msgID, msg := p.compose(n, to, time.Now())
	host, _, err := net.SplitHostPort(p.Addr)
	if err != nil {
		return "", fmt.Errorf("%w: smtp: invalid server address", ErrPermanent)
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(p.Timeout, 30*time.Second))
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return "", fmt.Errorf("smtp: connect: %w", err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close()
		return "", smtpError("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(domainOf(p.From)); err != nil {
		return "", smtpError("EHLO", err)
	}
	if p.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return "", errors.New("smtp: the server does not offer STARTTLS")
		}
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if p.TLSConfig != nil {
			cfg = p.TLSConfig.Clone()
			cfg.ServerName = cmp.Or(cfg.ServerName, host)
		}
		if err := c.StartTLS(cfg); err != nil {
			return "", smtpError("STARTTLS", err)
		}
	}
	if p.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", p.Username, p.Password, host)); err != nil {
			return "", smtpError("AUTH", err)
		}
	}
	if err := c.Mail(p.From); err != nil {
		return "", smtpError("MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return "", smtpError("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return "", smtpError("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return "", smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return "", smtpError("DATA", err)
	}
	_ = c.Quit()
	return msgID, nil
}

// compose renders the message: From, To, Subject, Date, Message-ID and a
// quoted-printable UTF-8 text part.
func (p *SMTP) compose(n *Notification, to *mail.Address, now time.Time) (string, []byte) {
	msgID := "<" + n.ID + "@" + domainOf(p.From) + ">"
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", (&mail.Address{Name: oneLine(n.Sender), Address: p.From}).String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(n.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", msgID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(n.Body, "\r\n", "\n"), "\n", "\r\n")))
	_ = qp.Close()
	b.WriteString("\r\n")
	return msgID, b.Bytes()
}

// smtpError makes a 5xx reply permanent.
func smtpError(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("%w: smtp %s: %d %s", ErrPermanent, step, te.Code, te.Msg)
	}
	return fmt.Errorf("smtp %s: %w", step, err)
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "localhost"
}

// oneLine keeps a header value on one line (no header injection).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
