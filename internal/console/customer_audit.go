package console

import (
	"strings"

	"github.com/cuota/cuota/internal/app"
)

// auditTimeline returns the newest audit entries of objects (a customer,
// its latest subscriptions and invoices) as timeline items: what was done
// and who did it — a console user by email, an API key, cuota itself, a
// gateway. One read of the audit's object index for them all, and one of
// the users when a user acted.
func (h ops) auditTimeline(q *req, objects []string) ([]timelineItem, error) {
	entries, err := h.app.Merchants.ListObjectsAudit(q.ctx, q.scope(), objects, timelineItemsAtMost)
	if err != nil {
		return nil, err
	}
	var out []timelineItem
	var emails map[string]string // user id → email, read when first needed
	for _, e := range entries {
		if emails == nil && strings.HasPrefix(e.Actor, app.UserActor("")) {
			users, err := h.app.Users.ListUsers(q.ctx, q.cs.Merchant.ID)
			if err != nil {
				return nil, err
			}
			emails = map[string]string{}
			for _, u := range users {
				emails[u.ID] = u.Email
			}
		}
		out = append(out, timelineItem{ID: e.ID, At: e.Created, Label: auditLabel(q.l, e.Action), Who: actorName(q.l, e.Actor, emails)})
	}
	return out, nil
}

// auditLabel names an audit action: by the action, else by its object.
func auditLabel(l *lang, action string) string {
	if s := l.AuditActions[action]; s != "" {
		return s
	}
	object, _, _ := strings.Cut(action, ".")
	if s := l.AuditActions[object+".*"]; s != "" {
		return s
	}
	return l.AuditActions["*"]
}

// actorName says who an audit entry's actor is, for people.
func actorName(l *lang, actor string, emails map[string]string) string {
	kind, id, _ := strings.Cut(actor, ":")
	switch kind {
	case "user":
		if e := emails[id]; e != "" {
			return e
		}
		return l.ActorUser
	case "api_key":
		return l.ActorAPI
	case "gateway":
		return l.ActorGateway + " " + brandName(id)
	}
	return l.ActorSystem
}
