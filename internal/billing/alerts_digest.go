package billing

import "time"

// The daily alert digest (docs/alerts.md): an alert's opening is emailed
// once; what happens to it afterwards — it keeps repeating, it stays open
// day after day — goes into one email a day per merchant and mode, listing
// the open alerts that repeated or stayed open over the day before.

// EmailAlertDigest is the template of the daily alert digest.
const EmailAlertDigest = "alert_digest"

// AlertDigestWindow is the digest of the calendar day containing now in
// loc (the merchant's time zone): its day ("2026-03-05", part of the
// email's key, so that a scope gets at most one a day) and the window it
// covers, the day before, [from, to).
func AlertDigestWindow(now time.Time, loc *time.Location) (day string, from, to time.Time) {
	local := now.In(loc)
	to = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	from = time.Date(local.Year(), local.Month(), local.Day()-1, 0, 0, 0, 0, loc)
	return local.Format(time.DateOnly), from, to
}

// AlertDigestKey is the key a scope's digest of day is recorded under
// (the email's event id): one digest per scope and day, however many
// processes try to send it.
func AlertDigestKey(s Scope, day string) string {
	return "alert_digest:" + s.MerchantID + ":" + string(s.Mode) + ":" + day
}

// AlertDigest picks, of alerts, those the digest of window [from, to)
// lists, in the order given: the open ones (an acknowledged alert has a
// person on it already) that opened before the window ended and either
// were already open when it began (they stayed open) or were seen again
// since it began (they repeated). An alert that opened inside the window
// and never repeated is left out: its own email told of it.
func AlertDigest(alerts []Alert, from, to time.Time) []Alert {
	var out []Alert
	for _, a := range alerts {
		if a.Status != AlertOpen || !a.FirstSeen.Before(to) {
			continue
		}
		stayed := a.FirstSeen.Before(from)
		repeated := a.Count > 1 && !a.LastSeen.Before(from)
		if stayed || repeated {
			out = append(out, a)
		}
	}
	return out
}
