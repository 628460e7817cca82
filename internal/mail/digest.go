package mail

import (
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// KindAlertDigest is the daily digest of a merchant's alerts that repeated
// or stayed open (docs/alerts.md); data AlertDigest.
const KindAlertDigest Kind = "alert_digest"

// AlertDigest is the data of KindAlertDigest, sent to the merchant's alert
// address at most once a day.
type AlertDigest struct {
	MerchantName string        `json:"merchant_name"`  // required
	Mode         billing.Mode  `json:"mode,omitempty"` // test or live; may be empty
	Day          string        `json:"day"`            // required: the day it covers, in the email's language
	Alerts       []DigestAlert `json:"alerts"`         // at least one
}

// DigestAlert is one alert of a digest.
type DigestAlert struct {
	Critical  bool   `json:"critical"`
	Message   string `json:"message"`    // required: in the email's language
	Object    string `json:"object"`     // required: the object's type and id
	FirstSeen string `json:"first_seen"` // required
	LastSeen  string `json:"last_seen"`  // required
	Count     int64  `json:"count"`
}

func (d AlertDigest) validate() error {
	if d.Mode != "" && !d.Mode.Valid() {
		return fmt.Errorf("%w: mode %q is not test or live", ErrInvalidData, d.Mode)
	}
	if len(d.Alerts) == 0 {
		return fmt.Errorf("%w: a digest lists at least one alert", ErrInvalidData)
	}
	for i, a := range d.Alerts {
		if err := checkFields(field{name: fmt.Sprintf("alerts[%d].message", i), value: a.Message, required: true},
			field{name: fmt.Sprintf("alerts[%d].object", i), value: a.Object, required: true},
			field{name: fmt.Sprintf("alerts[%d].first_seen", i), value: a.FirstSeen, required: true},
			field{name: fmt.Sprintf("alerts[%d].last_seen", i), value: a.LastSeen, required: true}); err != nil {
			return err
		}
	}
	return checkFields(field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "day", value: d.Day, required: true})
}

// NewAlertDigest returns merchant m's digest of alerts for the day that
// starts at from, in m's locale and time zone.
func NewAlertDigest(m billing.Merchant, mode billing.Mode, from time.Time, alerts []billing.Alert) (AlertDigest, error) {
	f, err := NewFormatter(m.Locale, m.Timezone)
	if err != nil {
		return AlertDigest{}, fmt.Errorf("alert digest for %s: %w", m.ID, err)
	}
	d := AlertDigest{MerchantName: m.Name, Mode: mode, Day: f.Date(from)}
	for _, al := range alerts {
		d.Alerts = append(d.Alerts, DigestAlert{Critical: al.Severity == billing.SeverityCritical, Message: al.Message.In(m.Locale),
			Object: al.ObjectType + " " + al.ObjectID, FirstSeen: f.DateTime(al.FirstSeen), LastSeen: f.DateTime(al.LastSeen),
			Count: al.Count})
	}
	return d, nil
}
