package basiq

// Remedy is what the user can do about a failure; screens turn it into keys.
type Remedy int

const (
	RemedyNone      Remedy = iota // nothing to offer but quitting
	RemedyReconsent               // go through consent again (wrong bank login)
	RemedyRetry                   // try the same thing again now
	RemedyWaitRetry               // try again later: the bank or Basiq is down
	RemedyFixKey                  // paste another API key
	RemedyFixInput                // correct what was typed
)

// Advice is a failure in plain words: what it means and what to do next.
type Advice struct {
	Meaning string
	Next    string
	Remedy  Remedy
}

// adviceByCode is the one table from Basiq's error codes (HTTP errors and job
// step failures alike) to plain words. Codes not here get genericAdvice.
var adviceByCode = map[string]Advice{
	// Job step failures.
	"invalid-credentials": {
		Meaning: "The bank refused these login details.",
		Next:    "Go through consent again and log in with the right details.",
		Remedy:  RemedyReconsent,
	},
	"account-not-accessible-requires-user-action": {
		Meaning: "The bank wants the account holder to do something first (new terms, a pop-up, a password change).",
		Next:    "Log in to the bank's own website, accept whatever it asks, then retry.",
		Remedy:  RemedyRetry,
	},
	"user-action-required": {
		Meaning: "The bank wants the account holder to do something first.",
		Next:    "Log in to the bank's own website, accept whatever it asks, then retry.",
		Remedy:  RemedyRetry,
	},
	"service-unavailable": {
		Meaning: "The bank (or Basiq's link to it) is not answering right now.",
		Next:    "Try again in about 10 minutes.",
		Remedy:  RemedyWaitRetry,
	},
	"system-unavailable": {
		Meaning: "The bank's systems are not answering right now.",
		Next:    "Try again in about 10 minutes.",
		Remedy:  RemedyWaitRetry,
	},
	"maintenance": {
		Meaning: "The bank is down for maintenance.",
		Next:    "Try again later.",
		Remedy:  RemedyWaitRetry,
	},
	"institution-not-available": {
		Meaning: "This bank is not available through Basiq right now.",
		Next:    "Try again later, or choose another bank in consent.",
		Remedy:  RemedyReconsent,
	},
	"authorization-failed": {
		Meaning: "The bank did not authorise the data sharing (it was declined or abandoned).",
		Next:    "Go through consent again and approve the request at the bank.",
		Remedy:  RemedyReconsent,
	},
	"job-timed-out": {
		Meaning: "Basiq gave up waiting for the bank.",
		Next:    "Retry; if it keeps happening, try again later.",
		Remedy:  RemedyRetry,
	},
	// HTTP errors.
	"parameter-not-valid": {
		Meaning: "Basiq rejected a value it was sent.",
		Next:    "Check the value and try again.",
		Remedy:  RemedyFixInput,
	},
	"parameter-not-supplied": {
		Meaning: "Basiq is missing a value it needs.",
		Next:    "Fill it in and try again.",
		Remedy:  RemedyFixInput,
	},
	"invalid-authorization-token": {
		Meaning: "Basiq did not accept the access token.",
		Next:    "Check the API key and try again.",
		Remedy:  RemedyFixKey,
	},
	"access-denied": {
		Meaning: "The access token has expired or was refused.",
		Next:    "Try again; a new token will be fetched.",
		Remedy:  RemedyRetry,
	},
	"forbidden-access": {
		Meaning: "This API key's application may not use this part of the API.",
		Next:    "Check the key's scope in the Basiq dashboard (API Keys).",
		Remedy:  RemedyFixKey,
	},
	"unauthorized-access": {
		Meaning: "The token is not allowed to see this user's data.",
		Next:    "Check that the user belongs to this application.",
		Remedy:  RemedyFixInput,
	},
	"no-production-access": {
		Meaning: "This key is for the sandbox only.",
		Next:    "Ask Basiq to enable the key for real connections, or use a sandbox bank.",
		Remedy:  RemedyFixKey,
	},
	"resource-not-found": {
		Meaning: "Basiq has no such thing.",
		Next:    "Check the id; it may belong to another application.",
		Remedy:  RemedyFixInput,
	},
	"too-many-requests": {
		Meaning: "Basiq is limiting how fast this application may call it.",
		Next:    "Wait a minute and retry.",
		Remedy:  RemedyWaitRetry,
	},
	"too-many-sandbox-connections": {
		Meaning: "This sandbox has reached Basiq's limit of 500 connections.",
		Next:    "Delete old test users, or ask Basiq support to reset the sandbox.",
		Remedy:  RemedyNone,
	},
	// The webhook routes' (webhooks.json).
	CodeAlreadyExists: {
		Meaning: "The application has a webhook for this URL already.",
		Next:    "Use that webhook, or delete it first.",
		Remedy:  RemedyFixInput,
	},
	CodeAlreadySubscribed: {
		Meaning: "Another webhook of the application holds one of these event types: Basiq lets one webhook hold each type.",
		Next:    "Subscribe to the others, or take the type off that webhook first.",
		Remedy:  RemedyFixInput,
	},
	CodeNoWebhooks: {
		Meaning: "The application has no webhook, so a test message has nowhere to go.",
		Next:    "Register a webhook (a public URL) first.",
		Remedy:  RemedyFixInput,
	},
	CodeInvalidContent: {
		Meaning: "Basiq could not use what it was sent (an unknown event type, a field missing).",
		Next:    "Check the values and try again.",
		Remedy:  RemedyFixInput,
	},
	"internal-server-error": {
		Meaning: "Basiq had an internal error.",
		Next:    "Retry; if it keeps happening, give Basiq support the correlation id.",
		Remedy:  RemedyRetry,
	},
}

var genericAdvice = Advice{
	Meaning: "Basiq reported a problem.",
	Next:    "Retry; if it keeps happening, give Basiq support the details below.",
	Remedy:  RemedyRetry,
}

// AdviceFor returns the plain-words advice for a Basiq error or failure code.
func AdviceFor(code string) Advice {
	if a, ok := adviceByCode[code]; ok {
		return a
	}
	return genericAdvice
}

var stepNames = map[string]string{
	StepVerifyCredentials:    "Verifying credentials",
	StepMFAChallenge:         "Answering a security question",
	StepRetrieveAccounts:     "Retrieving accounts",
	StepRetrieveTransactions: "Retrieving transactions",
	StepRetrieveStatements:   "Retrieving statements",
}

// StepName is a job step's title in plain words; unknown titles stay as
// they come (from the server: sanitise before showing).
func StepName(title string) string {
	if n, ok := stepNames[title]; ok {
		return n
	}
	return title
}
