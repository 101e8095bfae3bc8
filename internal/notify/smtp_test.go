package notify

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeSMTP is a submission server written for the test: it offers
// STARTTLS, then AUTH PLAIN only over TLS, and keeps each message.
type fakeSMTP struct {
	addr     string
	tls      *tls.Config
	roots    *x509.CertPool
	mu       sync.Mutex
	messages []smtpMessage
	// rejectRcpt answers RCPT TO with 550 when set.
	rejectRcpt bool
}

type smtpMessage struct {
	auth, from, to string
	tls            bool
	data           string
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	cert, roots := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	s := &fakeSMTP{addr: ln.Addr().String(), tls: &tls.Config{Certificates: []tls.Certificate{cert}}, roots: roots}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r, w := bufio.NewReader(c), c
	say := func(line string) { _, _ = io.WriteString(w, line+"\r\n") }
	var m smtpMessage
	say("220 fake.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		switch {
		case verb == "EHLO":
			say("250-fake.test")
			if m.tls {
				say("250 AUTH PLAIN")
			} else {
				say("250 STARTTLS")
			}
		case verb == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, r, w, m.tls = tc, bufio.NewReader(tc), tc, true
		case verb == "AUTH" && m.tls:
			m.auth = strings.TrimPrefix(cmd, "AUTH PLAIN ")
			say("235 ok")
		case verb == "MAIL":
			m.from = cmd
			say("250 ok")
		case verb == "RCPT":
			if s.rejectRcpt {
				say("550 no such mailbox")
				continue
			}
			m.to = cmd
			say("250 ok")
		case verb == "DATA":
			say("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			s.mu.Lock()
			s.messages = append(s.messages, m)
			s.mu.Unlock()
			say("250 queued")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not here")
		}
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

func TestSMTP(t *testing.T) {
	t.Parallel()
	srv := newFakeSMTP(t)
	p := &SMTP{Addr: srv.addr, Username: "mailer", Password: "s3cret", From: "orders@sokohub.test", StartTLS: true,
		TLSConfig: &tls.Config{RootCAs: srv.roots}}
	n := &Notification{ID: "ntf_01abc", Recipient: "otieno@example.com", Sender: "Achieng's Kiosk",
		Subject: "Order #1001 is paid — asante!", Body: "Order: #1001\nAmount: KES 3,000\nM-Pesa receipt: QK7Y64F4W2"}

	ref, err := p.Send(t.Context(), n)
	require.NoError(t, err)
	require.Equal(t, "<ntf_01abc@sokohub.test>", ref)
	require.Len(t, srv.messages, 1)
	got := srv.messages[0]
	require.True(t, got.tls, "the message went over STARTTLS")
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("\x00mailer\x00s3cret")), got.auth, "AUTH PLAIN")
	require.Equal(t, "MAIL FROM:<orders@sokohub.test>", strings.Fields(got.from)[0]+" "+strings.Fields(got.from)[1])
	require.Equal(t, "RCPT TO:<otieno@example.com>", got.to)

	msg, err := mail.ReadMessage(strings.NewReader(got.data))
	require.NoError(t, err)
	from, err := msg.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{{Name: "Achieng's Kiosk", Address: "orders@sokohub.test"}}, from)
	require.Equal(t, "<otieno@example.com>", msg.Header.Get("To"))
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, n.Subject, subject)
	date, err := msg.Header.Date()
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), date, time.Minute)
	require.Equal(t, ref, msg.Header.Get("Message-ID"))
	require.Equal(t, "text/plain; charset=utf-8", msg.Header.Get("Content-Type"))
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	require.Equal(t, strings.ReplaceAll(n.Body, "\n", "\r\n")+"\r\n", string(body))

	t.Run("RejectedRecipientIsPermanent", func(t *testing.T) {
		srv.rejectRcpt = true
		_, err := p.Send(t.Context(), n)
		require.ErrorIs(t, err, ErrPermanent)
		require.NotContains(t, err.Error(), "s3cret")
	})

	t.Run("RefusesAServerWithoutSTARTTLSCertificateWeTrust", func(t *testing.T) {
		untrusting := *p
		untrusting.TLSConfig = nil // system roots do not know the test CA
		_, err := untrusting.Send(t.Context(), n)
		require.Error(t, err)
		require.False(t, isPermanent(err), "a TLS problem is retried: the operator may fix it")
	})

	t.Run("HeaderInjectionIsFlattened", func(t *testing.T) {
		evil := *n
		evil.Sender = "Kiosk\r\nBcc: victim@example.com"
		evil.Subject = "Hi\r\nBcc: victim@example.com"
		_, msg := p.compose(&evil, &mail.Address{Address: "otieno@example.com"}, time.Now())
		parsed, err := mail.ReadMessage(strings.NewReader(string(msg)))
		require.NoError(t, err)
		require.Empty(t, parsed.Header.Get("Bcc"))
	})
}
