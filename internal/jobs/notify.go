package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/app"
)

// DefaultDispatchInterval is how often the leader turns new events into
// webhook deliveries and emails.
const DefaultDispatchInterval = 2 * time.Second

// DispatchArgs asks for new events to be dispatched (app.Notifications.DispatchNotifications).
type DispatchArgs struct{}

// Kind implements river.JobArgs.
func (DispatchArgs) Kind() string { return "dispatch_notifications" }

// DispatchWorker runs the outbox dispatcher.
type DispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	App UseCases
}

// Timeout bounds one dispatch run.
func (w *DispatchWorker) Timeout(*river.Job[DispatchArgs]) time.Duration { return 5 * time.Minute }

// Work implements river.Worker. A failed run is not retried: the next
// periodic run starts from the same cursors.
func (w *DispatchWorker) Work(ctx context.Context, _ *river.Job[DispatchArgs]) error {
	if _, err := w.App.Notifications.DispatchNotifications(ctx); err != nil {
		return river.JobCancel(fmt.Errorf("dispatch notifications: %w", err))
	}
	return nil
}

// DeliverWebhookWorker makes webhook delivery attempts. A failed attempt
// fails the job, and River runs it again when the delivery schedule
// (app.Notifications.NextWebhookAttempt, billing.NextWebhookAttempt by default) says; the last one, a
// delivery already done and a manual redelivery end it.
type DeliverWebhookWorker struct {
	river.WorkerDefaults[app.DeliverWebhookArgs]
	App    UseCases
	Render app.EventRenderer
}

// Timeout leaves room for the attempt's own timeout (10 s by default).
func (w *DeliverWebhookWorker) Timeout(*river.Job[app.DeliverWebhookArgs]) time.Duration {
	return time.Minute
}

// NextRetry follows the delivery schedule.
func (w *DeliverWebhookWorker) NextRetry(job *river.Job[app.DeliverWebhookArgs]) time.Time {
	return w.App.Notifications.NextWebhookAttempt(job.Attempt, time.Now())
}

// Work implements river.Worker.
func (w *DeliverWebhookWorker) Work(ctx context.Context, job *river.Job[app.DeliverWebhookArgs]) error {
	out, err := w.App.Notifications.DeliverWebhook(ctx, job.Args, job.Attempt, w.Render)
	if err != nil {
		return err
	}
	if out.Retry {
		return fmt.Errorf("delivery %s attempt %d failed (%s); will retry", job.Args.DeliveryID, job.Attempt, out.Reason)
	}
	return nil
}

// SendEmailWorker sends emails. A temporary SMTP failure fails the job and
// River runs it again on the email schedule (app.Notifications.NextEmailAttempt); a
// permanent one ends it with the email marked failed.
type SendEmailWorker struct {
	river.WorkerDefaults[app.SendEmailArgs]
	App UseCases
}

// Timeout bounds rendering (with the invoice PDF) and the SMTP session.
func (w *SendEmailWorker) Timeout(*river.Job[app.SendEmailArgs]) time.Duration {
	return 2 * time.Minute
}

// NextRetry follows the email schedule.
func (w *SendEmailWorker) NextRetry(job *river.Job[app.SendEmailArgs]) time.Time {
	return w.App.Notifications.NextEmailAttempt(job.Attempt, time.Now())
}

// Work implements river.Worker.
func (w *SendEmailWorker) Work(ctx context.Context, job *river.Job[app.SendEmailArgs]) error {
	out, err := w.App.Notifications.SendEmail(ctx, job.Args, job.Attempt)
	if err != nil {
		return err
	}
	if out.Wait > 0 {
		// A receipt waiting for its tax document: not an attempt.
		return river.JobSnooze(out.Wait)
	}
	if out.Retry {
		return fmt.Errorf("email %s attempt %d failed (%s); will retry", job.Args.EmailID, job.Attempt, out.Reason)
	}
	return nil
}
