// Package webhook delivers Basiq's webhooks, once for both senders of this
// project: the simulator's webhooks (each subscription's events POSTed to
// its loopback URL, as Basiq does) and listen's forwarding (each event of
// GET /events POSTed to a developer's handler, signed with a local secret).
//
// A delivery is what Basiq sends (basiq-api.md §12): an HTTP POST of the
// payload's exact bytes with the Standard Webhooks headers webhook-id (the
// message's id, the same on every attempt), webhook-timestamp and
// webhook-signature, signed and verified through the scheme's own library
// (Secret), never by hand. An Engine keeps a queue of attempts per URL:
//
//   - each attempt is bounded in time (Options.Timeout: 15 s for Basiq's
//     deliveries, listen's --forward-timeout for its own); a non-2xx, a
//     redirect (never followed) or no answer is a failed attempt;
//   - a failed message is retried on Basiq's schedule (BasiqSchedule: at
//     once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), which
//     Options.TimeScale compresses for end-to-end runs (the simulator's
//     --webhook-time-scale, listen's --retry-time-scale);
//   - every attempt is recorded (Engine.Message, Engine.Messages: the
//     simulator's GET /notifications/webhooks/{id}/messages/{messageId})
//     and handed to Options.Observe as it happens (listen's view and its
//     --json lines);
//   - Engine.Resend sends a recorded message again (listen's r): the same
//     webhook-id, a new timestamp and signature;
//   - Faults (ParseFaults: the simulator's --webhook-faults, listen's
//     --forward-faults) make chosen messages misbehave on purpose, so a
//     handler's verification and idempotency can be tested;
//   - the history is bounded (Options.History), so a run of days stays
//     small, and Close ends everything the engine started.
//
// The simulator makes one Engine with LoopbackOnly set, checks a webhook's
// URL with CheckLoopback when it is created (a 400 otherwise), and sends a
// Message per subscribed event with the webhook's id as its Tag. listen
// makes one Engine with its own Timeout, sends each event once with a
// webhook-id made from the event's id, and shows what Observe reports.
//
// Beside the engine: EventTypes, Basiq's 15 event types, with
// SuggestEventType for a "did you mean"; and Diagnose, the check of a
// captured delivery behind "basiq-onboard webhooks verify", which names why
// a signature fails and, given what a handler computed, the handler's
// mistake.
//
// The package imports nothing from basiq/, so the simulator may use it.
// It reads the time from the time package only: tests run in
// testing/synctest, where that clock is fake, and wait for nothing.
package webhook
