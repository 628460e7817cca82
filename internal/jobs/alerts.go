package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// DefaultAlertCheckInterval is how often the leader checks the alert
// conditions that are states (app.Alerts.CheckAlerts): a condition is
// alerted, and a cleared one resolved, within about this long.
const DefaultAlertCheckInterval = time.Minute

// CheckAlertsArgs asks for the periodic check of alert conditions.
type CheckAlertsArgs struct{}

// Kind implements river.JobArgs.
func (CheckAlertsArgs) Kind() string { return "check_alerts" }

// CheckAlertsWorker runs app.Alerts.CheckAlerts.
type CheckAlertsWorker struct {
	river.WorkerDefaults[CheckAlertsArgs]
	App UseCases
}

// Work implements river.Worker. A failed run is not retried: the next
// periodic run checks everything again.
func (w *CheckAlertsWorker) Work(ctx context.Context, _ *river.Job[CheckAlertsArgs]) error {
	if _, err := w.App.Alerts.CheckAlerts(ctx); err != nil {
		return river.JobCancel(fmt.Errorf("check alerts: %w", err))
	}
	return nil
}

// AlertDigestInterval is how often the leader looks for the day's alert
// digests to send (app.Alerts.SendAlertDigests): a digest goes out within
// about this long of its merchant's midnight, and at most once a day.
const AlertDigestInterval = time.Hour

// AlertDigestsArgs asks for the day's alert digests.
type AlertDigestsArgs struct{}

// Kind implements river.JobArgs.
func (AlertDigestsArgs) Kind() string { return "send_alert_digests" }

// AlertDigestsWorker runs app.Alerts.SendAlertDigests.
type AlertDigestsWorker struct {
	river.WorkerDefaults[AlertDigestsArgs]
	App UseCases
}

// Work implements river.Worker. A failed run is not retried: the next
// hourly run records what is still missing (a digest is keyed by its day,
// so nothing is sent twice).
func (w *AlertDigestsWorker) Work(ctx context.Context, _ *river.Job[AlertDigestsArgs]) error {
	if _, err := w.App.Alerts.SendAlertDigests(ctx); err != nil {
		return river.JobCancel(fmt.Errorf("send alert digests: %w", err))
	}
	return nil
}
