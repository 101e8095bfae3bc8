package dashboard

import (
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// The wizard's steps, in order.
var steps = []struct{ Key, Name string }{
	{"store", "Store details"}, {"mpesa", "M-Pesa"}, {"product", "First product"}, {"share", "Share your link"},
}

// wizard is the progress bar every step shows.
type wizard struct {
	Step  string
	Steps []wizardStep
}

type wizardStep struct {
	Key, Name  string
	Done, Here bool
	Number     int
}

// nextStep is the first step the store has not done: "" when it can sell.
// Details count as done once saved from the wizard (a tagline or colour
// is set) or once anything later is done.
func (d *Dashboard) nextStep(c *fiber.Ctx) (string, error) {
	done, err := d.progress(c)
	if err != nil {
		return "", err
	}
	for _, s := range steps[:3] {
		if !done[s.Key] {
			return s.Key, nil
		}
	}
	return "", nil
}

func (d *Dashboard) progress(c *fiber.Ctx) (map[string]bool, error) {
	ctx, st := c.UserContext(), current(c)
	paid, err := stores.HasCredentials(ctx, d.DB, st.ID)
	if err != nil {
		return nil, err
	}
	ps, err := catalog.All(ctx, d.DB, st.ID)
	if err != nil {
		return nil, err
	}
	detailed := st.Tagline != "" || st.Logo != "" || st.BrandColor != "" || paid || len(ps) > 0
	return map[string]bool{"store": detailed, "mpesa": paid, "product": len(ps) > 0, "share": paid && len(ps) > 0}, nil
}

func (d *Dashboard) wizard(c *fiber.Ctx, here string) (wizard, error) {
	done, err := d.progress(c)
	if err != nil {
		return wizard{}, err
	}
	w := wizard{Step: here}
	for i, s := range steps {
		w.Steps = append(w.Steps, wizardStep{Key: s.Key, Name: s.Name, Done: done[s.Key], Here: s.Key == here, Number: i + 1})
	}
	return w, nil
}

// setup resumes the wizard where the store left it.
func (d *Dashboard) setup(c *fiber.Ctx) error {
	next, err := d.nextStep(c)
	if err != nil {
		return err
	}
	if next == "" {
		next = "share"
	}
	return c.Redirect(base(c)+"/setup/"+next, fiber.StatusSeeOther)
}

// storeForm is step 1: how the store looks.
type storeForm struct {
	Wizard   wizard
	Profile  stores.Profile
	Problems formError
	// ChooseAgain asks for the logo again (see productForm).
	ChooseAgain bool
}

func (d *Dashboard) storeStep(c *fiber.Ctx) error {
	st := current(c)
	p := stores.Profile{Name: st.Name, Tagline: st.Tagline, Logo: st.Logo, BrandColor: st.BrandColor, AccentColor: st.AccentColor}
	return d.renderStoreStep(c, fiber.StatusOK, storeForm{Profile: p})
}

func (d *Dashboard) renderStoreStep(c *fiber.Ctx, status int, f storeForm) error {
	var err error
	if f.Wizard, err = d.wizard(c, "store"); err != nil {
		return err
	}
	if f.Profile.BrandColor == "" {
		f.Profile.BrandColor = "#0b6e3a"
	}
	if f.Profile.AccentColor == "" {
		f.Profile.AccentColor = "#f5b700"
	}
	return render(c, status, "setup_store", d.view(c, "Store details", "setup", f))
}

func (d *Dashboard) saveStore(c *fiber.Ctx) error {
	st := current(c)
	p := stores.Profile{Name: c.FormValue("name"), Tagline: c.FormValue("tagline"), Logo: st.Logo,
		BrandColor: c.FormValue("brand_color"), AccentColor: c.FormValue("accent_color")}
	logo, err := d.upload(c, "logo")
	if f, err := problems(err); err != nil {
		return err
	} else if f != nil {
		return d.renderStoreStep(c, fiber.StatusBadRequest, storeForm{Profile: p, Problems: f})
	}
	if logo != "" {
		p.Logo = logo
	}
	if c.FormValue("remove_logo") == "1" {
		p.Logo = ""
	}
	updated, err := stores.UpdateProfile(c.UserContext(), d.DB, st.ID, p)
	if f, err := problems(err); err != nil {
		return err
	} else if f != nil {
		// Nothing was saved: the logo on file is the one to show.
		p.Logo = st.Logo
		return d.renderStoreStep(c, fiber.StatusBadRequest, storeForm{Profile: p, Problems: f, ChooseAgain: logo != "" && !f.Has("logo")})
	}
	c.Locals(storeKey{}, updated)
	return c.Redirect(base(c)+"/setup/mpesa?done=store", fiber.StatusSeeOther)
}

// maxUpload is what one image may weigh: a phone camera's photo. It is
// resized to small JPEGs on the way in; the gateway's body limit (8 MiB)
// caps the whole request.
const maxUpload = 7 << 20

// chosen tells whether a file was sent in form field field.
func chosen(c *fiber.Ctx, field string) bool {
	fh, err := c.FormFile(field)
	return err == nil && fh.Size > 0
}

// upload stores the image in form field field, if one was sent, and
// returns its media name ("" when none was).
func (d *Dashboard) upload(c *fiber.Ctx, field string) (string, error) {
	fh, err := c.FormFile(field)
	if err != nil || fh.Size == 0 {
		return "", nil // no file chosen
	}
	if fh.Size > maxUpload {
		return "", input.Invalid(field, "This photo is too large. Please use one under 7 MB.")
	}
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil {
		return "", err
	}
	name, err := media.SaveImage(c.UserContext(), d.Media, current(c).ID, raw)
	if errors.Is(err, media.ErrNotImage) {
		return "", input.Invalid(field, "This file is not a photo we can use. Please upload a JPEG or PNG.")
	}
	return name, err
}

// mpesaForm is step 2: where the money goes.
type mpesaForm struct {
	Wizard   wizard
	Saved    *stores.MaskedCredentials
	Values   mpesa.Credentials
	Problems formError
	// Test is the verdict of "Test connection", OK or not.
	Test   string
	TestOK bool
}

func (d *Dashboard) mpesaStep(c *fiber.Ctx) error {
	return d.renderMpesaStep(c, fiber.StatusOK, mpesaForm{})
}

func (d *Dashboard) renderMpesaStep(c *fiber.Ctx, status int, f mpesaForm) error {
	var err error
	if f.Wizard, err = d.wizard(c, "mpesa"); err != nil {
		return err
	}
	saved, err := d.Vault.Masked(c.UserContext(), d.DB, current(c).ID)
	switch {
	case err == nil:
		f.Saved = saved
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	if f.Values.Type == "" {
		f.Values = mpesa.Credentials{Type: mpesa.TypePaybill, Environment: mpesa.EnvSandbox}
		if saved != nil {
			f.Values = mpesa.Credentials{Type: saved.Type, Environment: saved.Environment, Shortcode: saved.Shortcode,
				TillNumber: saved.TillNumber}
		}
	}
	// Secrets are never sent back to the browser, not even the ones just
	// typed.
	f.Values.Passkey, f.Values.ConsumerKey, f.Values.ConsumerSecret = "", "", ""
	return render(c, status, "setup_mpesa", d.view(c, "M-Pesa", "setup", f))
}

// credentialsFrom reads the form; a secret left empty keeps the saved one,
// so a merchant can change the till number without re-typing the keys.
func (d *Dashboard) credentialsFrom(c *fiber.Ctx) (mpesa.Credentials, error) {
	cr := mpesa.Credentials{Environment: c.FormValue("environment"), Type: c.FormValue("type"),
		Shortcode: strings.TrimSpace(c.FormValue("shortcode")), TillNumber: strings.TrimSpace(c.FormValue("till_number")),
		Passkey: c.FormValue("passkey"), ConsumerKey: c.FormValue("consumer_key"), ConsumerSecret: c.FormValue("consumer_secret")}
	if cr.Type != mpesa.TypeTill {
		cr.TillNumber = ""
	}
	if cr.Passkey != "" && cr.ConsumerKey != "" && cr.ConsumerSecret != "" {
		return cr, nil
	}
	saved, err := d.Vault.Credentials(c.UserContext(), d.DB, current(c).ID)
	if errors.Is(err, db.ErrNotFound) {
		return cr, nil
	}
	if err != nil {
		return cr, err
	}
	cr.Passkey, cr.ConsumerKey, cr.ConsumerSecret = or(cr.Passkey, saved.Passkey), or(cr.ConsumerKey, saved.ConsumerKey),
		or(cr.ConsumerSecret, saved.ConsumerSecret)
	return cr, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// credentialFields maps mpesa.Credentials fields to the form's.
var credentialFields = map[string]string{"Environment": "environment", "Type": "type", "Shortcode": "shortcode",
	"TillNumber": "till_number", "Passkey": "passkey", "ConsumerKey": "consumer_key", "ConsumerSecret": "consumer_secret"}

// mpesaProblems words Validate's findings for the form.
func mpesaProblems(err error) formError {
	f := formError{}
	for _, e := range flatten(err) {
		var ce *mpesa.ConfigError
		if errors.As(e, &ce) && credentialFields[ce.Field] != "" {
			f[credentialFields[ce.Field]] = ce.Reason
		} else {
			f["credentials"] = e.Error()
		}
	}
	return f
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (d *Dashboard) saveMpesa(c *fiber.Ctx) error {
	cr, err := d.credentialsFrom(c)
	if err != nil {
		return err
	}
	if err := cr.Validate(); err != nil {
		return d.renderMpesaStep(c, fiber.StatusBadRequest, mpesaForm{Values: cr, Problems: mpesaProblems(err)})
	}
	if _, err := d.Vault.Save(c.UserContext(), d.DB, current(c).ID, cr); err != nil {
		return err
	}
	return c.Redirect(base(c)+"/setup/product?done=mpesa", fiber.StatusSeeOther)
}

// testMpesa asks Daraja for an access token with the credentials in the
// form (or the saved ones): it proves the consumer key and secret and the
// environment, and saves nothing. The page's script asks for JSON, so the
// typed secrets stay in the form (they are never sent back); without
// JavaScript the form comes back with the verdict.
func (d *Dashboard) testMpesa(c *fiber.Ctx) error {
	cr, err := d.credentialsFrom(c)
	if err != nil {
		return err
	}
	f := mpesaForm{Values: cr}
	status := fiber.StatusOK
	if err := cr.Validate(); err != nil {
		f.Problems, f.Test, status = mpesaProblems(err), "Fix the fields marked below, then test again.", fiber.StatusBadRequest
	} else {
		f.TestOK, f.Test = d.verdict(c, cr)
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) {
		return c.Status(status).JSON(fiber.Map{"ok": f.TestOK, "message": f.Test, "problems": f.Problems})
	}
	return d.renderMpesaStep(c, status, f)
}

// verdict says in words whether Daraja accepts cr.
func (d *Dashboard) verdict(c *fiber.Ctx, cr mpesa.Credentials) (bool, string) {
	_, err := d.Daraja.Token(c.UserContext(), cr)
	var ce *mpesa.ConfigError
	switch {
	case err == nil:
		return true, "Connected: M-Pesa accepted this consumer key and secret. Save to start taking payments."
	case errors.As(err, &ce):
		return false, "M-Pesa refused these details: " + ce.Reason + ". Check the consumer key and secret on the Daraja portal."
	}
	d.Logger.WarnContext(c.UserContext(), "mpesa connection test failed", "store_id", current(c).ID, "err", err)
	return false, "We could not reach M-Pesa to check. Try again in a minute."
}

// shareStep is the last step: the store's link, to post and send.
type sharePage struct {
	Wizard wizard
	URL    string
	Ready  bool
}

func (d *Dashboard) shareStep(c *fiber.Ctx) error {
	w, err := d.wizard(c, "share")
	if err != nil {
		return err
	}
	next, err := d.nextStep(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "setup_share", d.view(c, "Share your store", "setup",
		sharePage{Wizard: w, URL: d.storeURL(current(c)), Ready: next == ""}))
}

// storeURL is the address customers use: the store's own host when a
// storefront domain is configured, else /s/{slug} on the public URL.
func (d *Dashboard) storeURL(st *stores.Store) string {
	if d.StorefrontDomain != "" {
		scheme := "https://"
		if strings.HasPrefix(d.PublicURL, "http://") {
			scheme = "http://"
		}
		return scheme + st.Slug + "." + d.StorefrontDomain
	}
	return d.PublicURL + "/s/" + st.Slug
}
