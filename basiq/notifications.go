package basiq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/jsonlist"
)

// The application's webhooks (webhooks.json: /notifications/*; basiq-api.md
// §12), with the server token: subscriptions, the messages sent to each, and
// Basiq's test message.

// Webhook is one of the application's webhook subscriptions.
type Webhook struct {
	Type        string `json:"type,omitempty"` // "webhook"
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	Status      string `json:"status"` // "active" or "pending-approval"
	// SubscribedEvents are the event types it receives ("user.created").
	SubscribedEvents EventTypeList `json:"subscribedEvents"`
	// Secret signs its deliveries. Basiq sends it once, in the answer that
	// makes the webhook, and never again: the one place it is shown.
	Secret WebhookSecret `json:"secret,omitempty"`
	Links  Links         `json:"links"`
}

// Webhook statuses.
const (
	WebhookActive          = "active"
	WebhookPendingApproval = "pending-approval"
)

// WebhookSecret is a webhook's signing secret ("whsec_…", or without the
// prefix as the spec's example has it). Printed with fmt it hides itself;
// Reveal gives it for the one answer that shows it. JSON carries it whole.
type WebhookSecret string

// Reveal is the secret itself.
func (s WebhookSecret) Reveal() string { return string(s) }

// String hides the secret from %v, %s and errors.
func (s WebhookSecret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString hides the secret from %#v.
func (s WebhookSecret) GoString() string { return s.String() }

// EventTypeList is a list of event type ids. Basiq's spec example gives one
// type as a bare string ("subscribedEvents": "user.created") where the
// schema says a list: both are read, and it is written as a list.
type EventTypeList []string

// UnmarshalJSON reads a list of strings, one string, or null.
func (l *EventTypeList) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*l = nil
		return nil
	}
	list, ok := jsonlist.Strings(b)
	if !ok {
		return errors.New("basiq: subscribedEvents is neither a list of event types nor one")
	}
	*l = list
	return nil
}

// WebhookRequest is the body that creates or updates a webhook. URL is
// required; SubscribedEvents are event type ids (GET /events/types).
type WebhookRequest struct {
	URL              string   `json:"url"`
	Name             string   `json:"name,omitempty"`
	Description      string   `json:"description,omitempty"`
	SubscribedEvents []string `json:"subscribedEvents,omitempty"`
}

// WebhookMessage is one message sent to a webhook: the payload of an
// event, and every attempt to deliver it.
type WebhookMessage struct {
	Type        string         `json:"type,omitempty"`
	ID          string         `json:"id"`
	WebhookID   string         `json:"webhookId,omitempty"`
	Event       string         `json:"event,omitempty"`
	EventTypeID string         `json:"eventTypeId,omitempty"`
	EventID     string         `json:"eventId,omitempty"`
	Payload     MessagePayload `json:"payload"`
	// Attempts, in the order Basiq lists them. The schema types them as
	// strings and its example as objects: both are read (a string as the
	// attempt's ID).
	Attempts []MessageAttempt `json:"attempts,omitempty"`
	Links    MessageLinks     `json:"links"`
	// Where the message stands and when it was made: the simulator says so
	// (Basiq's spec names neither).
	Status      string `json:"status,omitempty"`
	Created     string `json:"created,omitempty"`
	NextAttempt string `json:"nextAttempt,omitempty"`
}

// TypeID is the message's event type, from the message or its payload.
func (m WebhookMessage) TypeID() string {
	if m.EventTypeID != "" {
		return m.EventTypeID
	}
	return m.Payload.EventTypeID
}

// MessagePayload is what a delivery's body holds: links, not data.
type MessagePayload struct {
	EventTypeID string       `json:"eventTypeId,omitempty"`
	EventID     string       `json:"eventId,omitempty"`
	Links       MessageLinks `json:"links"`
	// Text is what a test message was sent with (POST /notifications/messages/test).
	Text string `json:"Text,omitempty"`
}

// MessageLinks are a message's (and its payload's) links.
type MessageLinks struct {
	Self        string `json:"self,omitempty"`
	Event       string `json:"event,omitempty"`
	EventEntity string `json:"eventEntity,omitempty"`
	Webhook     string `json:"webhook,omitempty"`
	Next        string `json:"next,omitempty"`
}

// MessageAttempt is one attempt to deliver a message.
type MessageAttempt struct {
	ID       string `json:"id,omitempty"`
	URL      string `json:"url,omitempty"`
	Response string `json:"response,omitempty"` // the handler's answer, as Basiq kept it
	// ResponseStatusCode is the handler's HTTP status, 0 for none (no
	// answer). The spec's example gives it as a number and as a string.
	ResponseStatusCode StatusCode `json:"responseStatusCode,omitempty"`
	Timestamp          string     `json:"timestamp,omitempty"` // RFC 3339
	Status             string     `json:"status,omitempty"`    // "Success" or "Failed"
	// What the simulator adds: why it failed, how long it took, the fault
	// it was made to have.
	Outcome    string `json:"outcome,omitempty"`
	DurationMs int64  `json:"durationMs,omitempty"`
	Error      string `json:"error,omitempty"`
	Fault      string `json:"fault,omitempty"`
}

// Time is the attempt's timestamp; the zero time when it cannot be read.
func (a MessageAttempt) Time() time.Time { return parseStamp(a.Timestamp) }

// Succeeded reports whether the handler took the delivery (Basiq's
// "Success", or a 2xx where the status is not said).
func (a MessageAttempt) Succeeded() bool {
	if a.Status != "" {
		return strings.EqualFold(a.Status, "success")
	}
	return a.ResponseStatusCode/100 == 2
}

// UnmarshalJSON reads an attempt object, or a string (the schema's form)
// as the attempt's id.
func (a *MessageAttempt) UnmarshalJSON(b []byte) error {
	var id string
	if json.Unmarshal(b, &id) == nil {
		*a = MessageAttempt{ID: id}
		return nil
	}
	type plain MessageAttempt
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("basiq: a message attempt is neither an object nor a string: %w", err)
	}
	*a = MessageAttempt(p)
	return nil
}

// StatusCode is an HTTP status that Basiq may write as a number or a
// string ("500"); null or "" is 0.
type StatusCode int

// UnmarshalJSON reads 500, "500" or null.
func (c *StatusCode) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*c = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("basiq: responseStatusCode %s is not a status", b)
	}
	*c = StatusCode(n)
	return nil
}

// CreateWebhook subscribes url to the event types in r. The answer holds the
// webhook's secret, which Basiq shows this once; the client's redactor
// learns it, so no trace or error shows it again. Not repeated once it may
// have reached Basiq: a second webhook for the same URL is a 409.
func (c *Client) CreateWebhook(ctx context.Context, r WebhookRequest) (Webhook, error) {
	return c.sendWebhook(ctx, request{method: http.MethodPost, path: webhooksPath, retry: retryUnsent}, r)
}

// UpdateWebhook replaces a webhook's URL, name, description and event types
// (POST /notifications/webhooks/{id}, the same body as create). Sending the
// same body twice does no harm, so it is repeated like a GET.
func (c *Client) UpdateWebhook(ctx context.Context, id string, r WebhookRequest) (Webhook, error) {
	if err := ValidateID(id); err != nil {
		return Webhook{}, err
	}
	return c.sendWebhook(ctx, request{method: http.MethodPost, path: webhooksPath + "/" + id, retry: retrySafe}, r)
}

const webhooksPath = "/notifications/webhooks"

// errNoWebhookURL is a webhook body without its one required field.
var errNoWebhookURL = errors.New("basiq: a webhook needs its url")

func (c *Client) sendWebhook(ctx context.Context, req request, r WebhookRequest) (Webhook, error) {
	r.URL = strings.TrimSpace(r.URL)
	if r.URL == "" {
		return Webhook{}, errNoWebhookURL
	}
	var out Webhook
	err := c.callJSON(ctx, req, r, &out)
	c.redact.Remember(out.Secret.Reveal())
	return out, err
}

// ListWebhooks lists the application's webhooks (never with their secrets).
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var out webhookList
	err := c.call(ctx, get(webhooksPath, nil), &out)
	return out.Data, err
}

// webhookList is GET /notifications/webhooks: a list, whose data the spec's
// example gives as one webhook rather than a list of one; both are read.
type webhookList struct {
	Data []Webhook
}

func (l *webhookList) UnmarshalJSON(b []byte) error {
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if d := bytes.TrimSpace(raw.Data); len(d) > 0 && d[0] == '{' {
		var one Webhook
		if err := json.Unmarshal(d, &one); err != nil {
			return err
		}
		l.Data = []Webhook{one}
		return nil
	}
	if len(raw.Data) == 0 || string(bytes.TrimSpace(raw.Data)) == "null" {
		l.Data = nil
		return nil
	}
	return json.Unmarshal(raw.Data, &l.Data)
}

// GetWebhook fetches one webhook.
func (c *Client) GetWebhook(ctx context.Context, id string) (Webhook, error) {
	if err := ValidateID(id); err != nil {
		return Webhook{}, err
	}
	return getJSON[Webhook](ctx, c, webhooksPath+"/"+id)
}

// DeleteWebhook deletes a webhook: Basiq sends it nothing more.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: webhooksPath + "/" + id, retry: retrySafe}, nil)
}

// ListWebhookMessages lists the messages sent to a webhook (the simulator
// gives them newest first, with their attempts).
func (c *Client) ListWebhookMessages(ctx context.Context, webhookID string) ([]WebhookMessage, error) {
	if err := ValidateID(webhookID); err != nil {
		return nil, err
	}
	var out listBody[WebhookMessage]
	err := c.call(ctx, get(webhooksPath+"/"+webhookID+"/messages", nil), &out)
	return out.Data, err
}

// GetWebhookMessage fetches one message of a webhook with its attempts.
func (c *Client) GetWebhookMessage(ctx context.Context, webhookID, messageID string) (WebhookMessage, error) {
	path, err := itemPath(webhooksPath, webhookID, "messages", messageID)
	if err != nil {
		return WebhookMessage{}, err
	}
	return getJSON[WebhookMessage](ctx, c, path)
}

// SendTestMessage asks Basiq to send a test message of an event type
// (POST /notifications/messages/test) to the application's webhooks; text
// is replayed in it. Without a webhook Basiq answers 400 no-webhooks-found
// (IsNoWebhooks). Not repeated once it may have reached Basiq: it sends.
func (c *Client) SendTestMessage(ctx context.Context, eventTypeID, text string) error {
	if strings.TrimSpace(eventTypeID) == "" {
		return errors.New("basiq: a test message needs its event type")
	}
	body := struct {
		EventTypeID string `json:"eventTypeId"`
		Text        string `json:"Text,omitempty"`
	}{eventTypeID, text}
	// Basiq's 201 has no body the spec describes: it is not read.
	return c.callJSON(ctx, request{method: http.MethodPost, path: "/notifications/messages/test", retry: retryUnsent}, body, nil)
}

// Basiq's error codes of the webhook routes.
const (
	CodeNoWebhooks        = "no-webhooks-found"        // a test message with no webhook to go to
	CodeAlreadySubscribed = "event-already-subscribed" // an event type another webhook holds
	CodeAlreadyExists     = "resource-already-exists"  // a webhook for that URL exists
	CodeInvalidContent    = "invalid-content"          // an unknown event type, a body Basiq cannot read
)

// IsNoWebhooks reports Basiq's 400 no-webhooks-found.
func IsNoWebhooks(err error) bool { return hasErrorCode(err, CodeNoWebhooks) }

// IsEventAlreadySubscribed reports Basiq's 400 event-already-subscribed:
// Basiq lets one webhook of an application hold each event type.
func IsEventAlreadySubscribed(err error) bool { return hasErrorCode(err, CodeAlreadySubscribed) }

// IsWebhookURLTaken reports Basiq's 409 for a URL another webhook has.
func IsWebhookURLTaken(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusConflict
}

func hasErrorCode(err error, code string) bool {
	e, ok := asError(err)
	return ok && hasCode(e, code)
}
