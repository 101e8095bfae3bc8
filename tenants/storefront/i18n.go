package storefront

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Languages the storefront speaks; the first is the default.
var languages = []string{"en", "sw"}

// langNames are shown on the switcher, each in its own language.
var langNames = map[string]string{"en": "English", "sw": "Kiswahili"}

// chooseLang picks the page language: ?lang= (remembered in a cookie),
// then the cookie, then the browser's Accept-Language, then English.
func chooseLang(c *fiber.Ctx) string {
	if l := c.Query("lang"); known(l) {
		c.Cookie(&fiber.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", HTTPOnly: true})
		return l
	}
	if l := c.Cookies("lang"); known(l) {
		return l
	}
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderAcceptLanguage)), "sw") {
		return "sw"
	}
	return languages[0]
}

func known(l string) bool { return l == "en" || l == "sw" }

// text returns the message key in lang, falling back to English; a missing
// key shows itself, so a test catches it.
func text(lang, key string) string {
	if m, ok := messages[lang][key]; ok {
		return m
	}
	if m, ok := messages["en"][key]; ok {
		return m
	}
	return key
}

func textf(lang, key string, args ...any) string { return fmt.Sprintf(text(lang, key), args...) }

// reasonSw says in Swahili why a payment failed, by M-Pesa ResultCode;
// codes not listed keep the English reason payments recorded.
var reasonSw = map[string]string{
	"1":    "Huna pesa za kutosha kwenye M-Pesa kwa malipo haya.",
	"17":   "Umelipa kiasi hiki hiki sasa hivi. Tafadhali subiri dakika 2 kabla ya kujaribu tena.",
	"26":   "M-Pesa ina shughuli nyingi sasa hivi. Tafadhali jaribu tena.",
	"1001": "Kuna malipo mengine ya M-Pesa yanayoendelea kwenye simu yako. Yamalize, subiri dakika moja, kisha ujaribu tena.",
	"1019": "Muda wa ombi la malipo uliisha. Tafadhali jaribu tena.",
	"1032": "Ulisitisha malipo.",
	"1036": "Hatukuweza kufikia simu yako. Hakikisha imewashwa, kisha ujaribu tena.",
	"1037": "Hatukupata jibu kutoka kwa simu yako. Kama uliidhinisha malipo tutayathibitisha hivi karibuni; la sivyo tafadhali jaribu tena.",
	"2001": "PIN ya M-Pesa haikuwa sahihi. Tafadhali jaribu tena.",
}

var messages = map[string]map[string]string{
	"en": {
		"skip": "Skip to content", "cart": "Cart", "cart.n": "Cart (%d)", "language": "Language",
		"store.empty": "This shop has no products yet.", "products": "Products",
		"stock.in": "In stock", "stock.few": "Only %d left", "stock.out": "Sold out",
		"add": "Add to cart", "qty": "Quantity", "back": "Back to the shop", "continue": "Continue shopping",
		"cart.title": "Your cart", "cart.empty": "Your cart is empty.", "cart.update": "Update",
		"cart.remove": "Remove", "total": "Total", "cart.clamped": "Only %d left of %s: we changed the quantity.",
		"cart.gone": "Some items are no longer sold and were taken out of your cart.",
		"co.title":  "Pay with M-Pesa", "co.name": "Your name", "co.phone": "M-Pesa phone number",
		"co.phone.hint": "Any format: 0712 345 678, +254 712 345 678 or 712345678.",
		"co.email":      "Email (optional)", "co.email.hint": "For a copy of the receipt.",
		"co.note": "Delivery note (optional)", "co.note.hint": "Where and when to deliver, a landmark, a gate colour…",
		"co.pay": "Pay %s with M-Pesa", "co.how": "You will get a prompt on your phone: enter your M-Pesa PIN to pay.",
		"err.name": "Please enter your name.", "err.phone": "Enter a Safaricom number like 0712 345 678.", "err.email": "Enter a valid email address, or leave it empty.",
		"err.note": "Keep the delivery note under 500 characters.", "err.items": "Add something to your cart first.",
		"err.stock":     "Sorry, there is not enough stock left for that order.",
		"err.payable":   "This shop cannot take M-Pesa payments yet. Please contact the shop.",
		"err.busy":      "Many people are paying right now. Please press Pay again in a moment; your cart is kept.",
		"err.prompts":   "We have already sent several M-Pesa prompts to this phone. To protect you, please wait %d minutes before trying again.",
		"err.prompts.1": "We have already sent several M-Pesa prompts to this phone. To protect you, please wait a minute before trying again.",
		"err.qty":       "Quantities must be whole numbers.", "err.title": "Please check the form",
		"order.title": "Order #%d", "wait.h": "Check your phone — enter your M-Pesa PIN",
		"wait.p": "We sent an M-Pesa prompt to %s to pay %s.", "wait.count.pre": "Seconds left to answer the prompt: ",
		"wait.count.post": ".",
		"wait.late":       "Still waiting for M-Pesa's answer.", "wait.auto": "This page updates by itself.",
		"paid.h": "Paid — thank you!", "paid.number": "Order number", "paid.amount": "Amount paid",
		"paid.receipt": "M-Pesa receipt", "paid.receipt.soon": "confirmed by M-Pesa; the receipt number is in the SMS from M-Pesa on your phone",
		"paid.keep": "Keep this link to see your order later:", "fulfilled": "The shop has sent your order.",
		"fail.h": "Payment not completed", "fail.retry": "Send the prompt again",
		"fail.phone":       "Phone number (keep it, or type another)",
		"fail.default":     "The payment did not go through. You can send the prompt again.",
		"closed.expired":   "This order expired before it was paid. Please order again.",
		"closed.cancelled": "This order was cancelled.", "items": "Items", "note": "Delivery note",
		"e404.h": "Not found", "e404.p": "We could not find this shop or page. Check the link and try again.",
		"e403.h": "Shop unavailable", "e403.p": "This shop is not taking orders right now. Please come back later.",
		"e500.h": "Something went wrong", "e500.p": "Something went wrong on our side. Please try again.",
		"e400.h": "Please check and try again",
	},
	"sw": {
		"skip": "Ruka hadi maudhui", "cart": "Kikapu", "cart.n": "Kikapu (%d)", "language": "Lugha",
		"store.empty": "Duka hili bado halina bidhaa.", "products": "Bidhaa",
		"stock.in": "Zipo", "stock.few": "Zimebaki %d tu", "stock.out": "Zimeisha",
		"add": "Weka kikapuni", "qty": "Idadi", "back": "Rudi dukani", "continue": "Endelea kununua",
		"cart.title": "Kikapu chako", "cart.empty": "Kikapu chako ni kitupu.", "cart.update": "Badilisha",
		"cart.remove": "Ondoa", "total": "Jumla", "cart.clamped": "Zimebaki %d tu za %s: tumebadilisha idadi.",
		"cart.gone": "Bidhaa fulani hazipatikani tena na zimeondolewa kwenye kikapu chako.",
		"co.title":  "Lipa kwa M-Pesa", "co.name": "Jina lako", "co.phone": "Nambari ya simu ya M-Pesa",
		"co.phone.hint": "Muundo wowote: 0712 345 678, +254 712 345 678 au 712345678.",
		"co.email":      "Barua pepe (si lazima)", "co.email.hint": "Kwa nakala ya risiti.",
		"co.note": "Maelezo ya kuleta (si lazima)", "co.note.hint": "Wapi na lini tulete, alama ya karibu, rangi ya geti…",
		"co.pay": "Lipa %s kwa M-Pesa", "co.how": "Utapokea ombi kwenye simu yako: weka PIN yako ya M-Pesa ili kulipa.",
		"err.name": "Tafadhali weka jina lako.", "err.phone": "Weka nambari ya Safaricom kama 0712 345 678.",
		"err.email": "Weka barua pepe sahihi, au iache tupu.", "err.note": "Maelezo yasizidi herufi 500.",
		"err.items": "Weka bidhaa kikapuni kwanza.", "err.stock": "Samahani, hakuna bidhaa za kutosha kwa oda hii.",
		"err.payable":   "Duka hili bado haliwezi kupokea malipo ya M-Pesa. Tafadhali wasiliana na duka.",
		"err.busy":      "Watu wengi wanalipa sasa hivi. Tafadhali bonyeza Lipa tena baada ya muda mfupi; vitu vyako vimehifadhiwa.",
		"err.prompts":   "Tumeshatuma maombi kadhaa ya M-Pesa kwa simu hii. Ili kukulinda, tafadhali subiri dakika %d kabla ya kujaribu tena.",
		"err.prompts.1": "Tumeshatuma maombi kadhaa ya M-Pesa kwa simu hii. Ili kukulinda, tafadhali subiri dakika moja kabla ya kujaribu tena.",
		"err.qty":       "Idadi lazima iwe nambari kamili.", "err.title": "Tafadhali angalia fomu",
		"order.title": "Oda #%d", "wait.h": "Angalia simu yako — weka PIN yako ya M-Pesa",
		"wait.p": "Tumetuma ombi la M-Pesa kwa %s kulipa %s.", "wait.count.pre": "Zimebaki sekunde ",
		"wait.count.post": " kujibu ombi.",
		"wait.late":       "Bado tunasubiri jibu la M-Pesa.", "wait.auto": "Ukurasa huu unajisasisha wenyewe.",
		"paid.h": "Imelipwa — asante!", "paid.number": "Nambari ya oda", "paid.amount": "Kiasi kilicholipwa",
		"paid.receipt": "Risiti ya M-Pesa", "paid.receipt.soon": "imethibitishwa na M-Pesa; nambari ya risiti iko kwenye SMS ya M-Pesa kwenye simu yako",
		"paid.keep": "Hifadhi kiungo hiki kuona oda yako baadaye:", "fulfilled": "Duka limetuma oda yako.",
		"fail.h": "Malipo hayakukamilika", "fail.retry": "Tuma ombi tena",
		"fail.phone":       "Nambari ya simu (iache, au andika nyingine)",
		"fail.default":     "Malipo hayakufanikiwa. Unaweza kutuma ombi tena.",
		"closed.expired":   "Muda wa oda hii uliisha kabla ya kulipwa. Tafadhali agiza tena.",
		"closed.cancelled": "Oda hii ilisitishwa.", "items": "Bidhaa", "note": "Maelezo ya kuleta",
		"e404.h": "Haikupatikana", "e404.p": "Hatukupata duka au ukurasa huu. Angalia kiungo, kisha ujaribu tena.",
		"e403.h": "Duka halipatikani", "e403.p": "Duka hili halipokei oda kwa sasa. Tafadhali rudi baadaye.",
		"e500.h": "Kuna tatizo", "e500.p": "Kuna tatizo upande wetu. Tafadhali jaribu tena.",
		"e400.h": "Tafadhali angalia, kisha ujaribu tena",
	},
}
