package quickstart

import (
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// LinkState is the consent link: a client token bound to the user, and the
// jobs the user had when it was made (so the new job is the one not among them).
type LinkState struct {
	Gen     int // bumped for every new link; older answers are dropped
	Minting bool
	// Action and ConnectionID say what the link is for: "" and "" a first
	// consent; basiq.ConsentConnect another bank; a ConnectionID logs in
	// again on that connection.
	Action, ConnectionID string
	// Bank is the institution of ConnectionID, "" when unknown or none.
	Bank     string
	URL      string // holds a client token: shown, never logged
	Expires  time.Time
	token    string
	snapshot map[string]bool // job ids that are not new; nil until listed
	listing  bool
}

// mintingLink is what minting a link says it does.
const mintingLink = "Minting a client token for the consent link (POST /token, CLIENT_ACCESS)"

// ConsentDoing says what consent is waiting on besides the person, as the
// notes said it; "" when nothing.
func (s *Session) ConsentDoing() string {
	switch {
	case s.Consent.AutoConsenting:
		return s.Consent.autoDoing
	case s.Link.Minting:
		return mintingLink
	case s.Link.listing:
		return "Listing the jobs the user has before the link (GET /users/{id}/jobs)"
	}
	return ""
}

// Ready reports whether the link can be shown.
func (l LinkState) Ready() bool { return l.URL != "" && l.snapshot != nil }

// ConsentState is the wait for the person to consent.
type ConsentState struct {
	Waiting        bool // the link is shown and the user's jobs are polled
	Since          time.Time
	Deadline       time.Time // --timeout after the link was shown (w waits longer)
	TimedOut       bool
	LastChecked    time.Time // when the user's jobs were last listed
	PollFailures   int
	PollProblem    *Problem // trouble listing, being worked around
	AutoConsenting bool     // demo: consenting as a sandbox login
	AutoLogin      string   // the login a (auto consent) uses now
	autoDoing      string   // what the automatic consent said it does
	personaUsed    bool     // --persona consents once; after that it is the person's turn
	lastLogin      string   // the login of the last automatic consent, for a retry
	autoBank       string   // the bank of the last automatic consent
	Browser        BrowserState
}

// BrowserState is what became of opening the link.
type BrowserState struct {
	Opening bool
	Opened  bool
	Opens   int // how many times it opened, so a second o can say it did
	// Reason says why the link did not open in a browser, "" when it did or will.
	Reason string
	// Refused: the person asked for the browser (o) where none can open.
	Refused bool
}

func (a *applying) consentEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case LinkMinted:
		if ev.Gen != s.Link.Gen {
			return true
		}
		s.Link.Minting = false
		if ev.Err != nil {
			a.linkFailed(CallClientToken, ev.Err)
			return true
		}
		s.Link.token, s.Link.URL, s.Link.Expires = ev.Token, ev.URL, ev.Expires
		a.linkReady()
	case JobsListed:
		a.jobsListed(ev)
	case BrowserOpened:
		s.Consent.Browser.Opening = false
		if ev.Err != nil {
			s.Consent.Browser.Opened = false
			s.Consent.Browser.Reason = "The browser did not open (" + ev.Err.Error() + "): open the link yourself."
			a.say(NoteWarning, s.Consent.Browser.Reason)
		} else {
			s.Consent.Browser.Opened, s.Consent.Browser.Reason = true, ""
			s.Consent.Browser.Opens++
		}
	case BrowserAsked:
		if s.Stage == StageConsent && s.Consent.Waiting {
			a.openBrowser()
			s.Consent.Browser.Refused = s.cfg.NoBrowser != ""
		}
	case AutoConsentAsked:
		if s.Stage == StageConsent && s.Consent.Waiting && s.Demo && !s.Consent.AutoConsenting {
			a.autoConsent(s.autoLogin())
		}
	case AutoConsented:
		if ev.Gen != s.Link.Gen || s.Stage != StageConsent {
			return true // for a link since replaced
		}
		s.Consent.AutoConsenting = false
		if ev.Err != nil {
			p := problemFor(CallAutoConsent, ev.Err)
			p.Remedies = []Remedy{RemedyRetry, RemedyNewLink, RemedyBack}
			a.fail(p)
			return true
		}
		s.Explore.NoConsent = false    // the consent page gives one where none is in force
		for _, id := range ev.JobIDs { // consent was given at the bank it was asked for
			s.Jobs.institutions[id] = basiq.Ref{Type: "institution", ID: s.Consent.autoBank}
		}
		a.watch(ev.JobIDs)
	case JobsPasted:
		if s.Stage == StageConsent && s.User.User.ID != "" {
			a.watch(ev.IDs)
		}
	case WaitLongerAsked:
		if s.Stage == StageConsent && s.Consent.TimedOut {
			s.Consent.TimedOut = false
			s.Consent.Deadline = a.now.Add(s.cfg.Timeout)
		}
	case NewLinkAsked:
		a.newLink()
	default:
		return false
	}
	return true
}

// prepareConsent mints a fresh link and lists the jobs the user has now,
// both at once; the link is shown when both are in.
func (a *applying) prepareConsent() {
	s := a.s
	a.clearProblem(CallClientToken, CallListJobs)
	first := s.Link.Gen == 0
	s.Link = LinkState{Gen: s.Link.Gen + 1, Minting: true, Action: s.Link.Action, ConnectionID: s.Link.ConnectionID, Bank: s.Link.Bank}
	a.say(NoteDoing, mintingLink)
	a.do(MintLink{Gen: s.Link.Gen, UserID: s.User.User.ID, Action: s.Link.Action, ConnectionID: s.Link.ConnectionID})
	if first && s.User.Created {
		// A user made moments ago has no jobs: nothing to ask.
		s.Link.snapshot = map[string]bool{}
		return
	}
	s.Link.listing = true
	a.do(ListJobs{Gen: s.Link.Gen, Purpose: ListSnapshot, UserID: s.User.User.ID})
}

// toConsent shows the consent step: the link once it is ready.
func (a *applying) toConsent() {
	s := a.s
	s.Stage = StageConsent
	switch {
	case s.Link.Ready():
		a.beginWait()
	case !s.Link.Minting && !s.Link.listing:
		a.prepareConsent()
	}
}

func (a *applying) linkFailed(call Call, err error) {
	s := a.s
	s.Link.Minting, s.Link.listing = false, false
	s.Link.URL, s.Link.token = "", ""
	p := problemFor(call, err)
	p.Remedies = []Remedy{RemedyRetry, RemedyBack}
	if s.Stage != StageConsent && s.cfg.Interactive {
		// Made ahead while the person reads the new user's id: said when they get here.
		s.Problem = &p
		return
	}
	a.fail(p)
}

func (a *applying) linkReady() {
	if a.s.Link.Ready() && a.s.Stage == StageConsent {
		a.beginWait()
	}
}

// beginWait shows the link, opens it (or consents as the sandbox login), and
// polls the user's jobs for one that was not there before.
func (a *applying) beginWait() {
	s := a.s
	c := &s.Consent
	*c = ConsentState{personaUsed: c.personaUsed, Waiting: true, Since: a.now, Deadline: a.now.Add(s.cfg.Timeout)}
	if !s.cfg.Interactive {
		c.Deadline = s.Deadline
	}
	c.AutoLogin = s.autoLogin()
	a.do(Say{Kind: NoteLink, Text: "Open this link to connect a bank (it holds a token that expires at " + s.Link.Expires.Local().Format("15:04") + "):",
		Link: &LinkNote{URL: s.Link.URL, Expires: s.Link.Expires}})
	if login := s.firstConsentLogin(); login != "" {
		a.autoConsent(login)
		return
	}
	if s.Demo && !s.cfg.Interactive {
		a.say(NoteInfo, "(or run with --persona "+SandboxPersona+" to complete it automatically)")
	}
	a.openBrowser()
	a.say(NoteDoing, "Waiting for a connection (GET /users/"+s.User.User.ID+"/jobs every "+ConsentPollEvery.String()+", for up to "+c.Deadline.Sub(a.now).Round(time.Second).String()+")")
	a.pollUserJobs(ConsentPollEvery)
}

// firstConsentLogin is the sandbox login the demo consents as without a
// key press, "" for none: --persona, once; and headless with no browser,
// where nobody could open the page, the happy-path login.
func (s *Session) firstConsentLogin() string {
	switch {
	case !s.Demo || s.Consent.personaUsed && s.cfg.Persona != "":
		return ""
	case s.cfg.Persona != "":
		return s.cfg.Persona
	case !s.cfg.Interactive && s.cfg.NoBrowser != "":
		return SandboxPersona
	}
	return ""
}

// autoLogin is the login a (consent automatically) uses: --persona before it
// was used; after that, consent reopened is the person's, so the happy path.
func (s *Session) autoLogin() string {
	if s.cfg.Persona != "" && !s.Consent.personaUsed {
		return s.cfg.Persona
	}
	return SandboxPersona
}

// LinkIsLocal reports whether the consent link points at this computer
// (the demo's simulator, or one on loopback): a phone, or any other device,
// cannot open it, so a QR code of it helps nobody.
func (s *Session) LinkIsLocal() bool {
	u, err := url.Parse(s.Link.URL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || ip != nil && ip.IsLoopback()
}

// AutoConsentBank is the bank the demo's automatic consent connects: the
// sandbox's happy path first, then another bank (SecondBank) for a user who
// has one already.
func (s *Session) AutoConsentBank() string {
	switch {
	case s.Link.ConnectionID != "" && s.Link.Bank != "":
		return s.Link.Bank // logging in again: at that connection's bank
	case s.Link.Action == basiq.ConsentConnect:
		return SecondBank
	}
	return SandboxInstitution
}

// autoConsent consents as a sandbox login, in the demo's simulator.
func (a *applying) autoConsent(login string) {
	s := a.s
	a.clearProblem(CallAutoConsent)
	s.Consent.AutoConsenting, s.Consent.lastLogin = true, login
	s.Consent.personaUsed = s.Consent.personaUsed || login == s.cfg.Persona
	s.Consent.AutoLogin = s.autoLogin()
	if !s.cfg.Interactive && s.cfg.Persona == "" {
		a.say(NoteInfo, "No browser to open the demo's consent page in: consenting as "+login+" (--persona picks another login)")
	}
	bank := s.AutoConsentBank()
	a.doing(&s.Consent.autoDoing, "Completing consent at "+s.BankName(bank)+" as "+login)
	s.Consent.autoBank = bank
	a.do(AutoConsent{Gen: s.Link.Gen, Token: s.Link.token, InstitutionID: bank, Login: login, ConnectionID: s.Link.ConnectionID})
}

func (a *applying) openBrowser() {
	b := &a.s.Consent.Browser
	if a.s.cfg.NoBrowser != "" {
		b.Reason = a.s.cfg.NoBrowser
		return
	}
	b.Opening, b.Reason = true, ""
	a.do(OpenBrowser{URL: a.s.Link.URL})
}

func (a *applying) pollUserJobs(after time.Duration) {
	s := a.s
	a.do(ListJobs{Gen: s.Link.Gen, Purpose: ListWaiting, UserID: s.User.User.ID, After: after})
}

func (a *applying) jobsListed(ev JobsListed) {
	s := a.s
	if ev.Gen != s.Link.Gen && ev.Purpose != ListBrowse {
		return
	}
	if ev.Err == nil {
		s.Jobs.noteInstitutions(ev.Jobs)
	}
	switch ev.Purpose {
	case ListSnapshot:
		if !s.Link.listing {
			return
		}
		s.Link.listing = false
		if ev.Err != nil {
			a.linkFailed(CallListJobs, ev.Err)
			return
		}
		s.Link.snapshot = map[string]bool{}
		for _, j := range ev.Jobs {
			s.Link.snapshot[j.ID] = true
		}
		a.linkReady()
	case ListBrowse:
		x := &s.Explore.Jobs
		x.Loading = false
		if ev.Err != nil {
			p := problemFor(CallListJobs, ev.Err)
			p.Remedies = []Remedy{RemedyRetry}
			x.Problem = &p
			return
		}
		x.Items, x.Loaded, x.Problem = newestFirst(ev.Jobs), true, nil
	case ListWaiting:
		if !s.Consent.Waiting || s.Stage != StageConsent {
			return
		}
		c := &s.Consent
		if ev.Err != nil {
			c.PollFailures++
			p := problemFor(CallListJobs, ev.Err)
			if !retryable(ev.Err) || c.PollFailures >= maxPollFailures {
				p.Remedies = []Remedy{RemedyRetry, RemedyNewLink, RemedyBack}
				c.PollProblem = nil
				a.fail(p)
				return
			}
			delay := s.pollDelay(ConsentPollEvery, c.PollFailures)
			p.Warning, p.Next = true, "Checking again in "+delay.Round(time.Second).String()+"."
			c.PollProblem = &p
			a.say(NoteWarning, p.What+" "+p.Next)
			a.pollUserJobs(delay)
			return
		}
		c.PollFailures, c.PollProblem, c.LastChecked = 0, nil, a.now
		var found []string
		for _, j := range ev.Jobs {
			if !s.Link.snapshot[j.ID] && !s.Jobs.known[j.ID] {
				found = append(found, j.ID)
			}
		}
		if len(found) > 0 {
			s.Explore.NoConsent = false // the consent page gives one where none is in force
			a.watch(found)
			return
		}
		a.pollUserJobs(ConsentPollEvery)
	}
}

// stopWaiting drops every answer in flight for the consent wait.
func (a *applying) stopWaiting() {
	s := a.s
	s.Consent.Waiting, s.Consent.TimedOut, s.Consent.AutoConsenting = false, false, false
	s.Consent.PollProblem = nil
	// Answers carry the link's generation; a used link is not shown again.
	s.Link.Gen++
	s.Link.URL, s.Link.token, s.Link.snapshot, s.Link.Minting, s.Link.listing = "", "", nil, false, false
}

// newLink mints a link for another consent: the same one again, where
// consent waits or a problem offers it; another bank, from the views.
func (a *applying) newLink() {
	s := a.s
	switch {
	case s.Stage == StageConsent || s.Stage != StageAccounts && s.Problem.Offers(RemedyNewLink):
		a.reconsent()
	case s.Stage == StageAccounts && s.Explore.Busy == "":
		action := basiq.ConsentConnect
		if s.Explore.NoConsent {
			action = "" // consent first: the page's connect action asks for it anyway
		}
		a.reconsentWith(action, "", "")
		if s.Demo {
			a.nameBank(s.AutoConsentBank()) // the consent screen names where a connects
		}
	}
}

// reconsent goes back to consent with a fresh link (the old token may be
// spent or expired); after a job that failed, on that job's connection.
func (a *applying) reconsent() {
	conn, bank := a.s.relogin()
	a.reconsentWith("", conn, bank)
}

// relogin is the connection of a failed job, to go through consent again
// on (Basiq's consent page with connectionId) rather than make a second
// connection to the same bank, and its bank; "" when there is none, or
// it is gone.
func (s *Session) relogin() (connectionID, bank string) {
	for _, id := range s.Jobs.FailedIDs() {
		w := s.Jobs.ByID[id]
		if c := w.Job.ConnectionID(); c != "" && s.connectionThere(c) {
			return c, w.Bank()
		}
	}
	return "", ""
}

// connectionThere reports whether a connection may still be there: not
// deleted in this session, and either in the last list of connections read
// or the connection of a job this session started since.
func (s *Session) connectionThere(id string) bool {
	if s.deletedConnections[id] {
		return false
	}
	if s.listedConnections == nil || s.listedConnections[id] {
		return true
	}
	for _, w := range s.Jobs.ByID {
		if !w.FromBefore && w.Job.ConnectionID() == id {
			return true
		}
	}
	return false
}

// newestFirst orders jobs by when they were created, newest first.
func newestFirst(jobs []basiq.Job) []basiq.Job {
	out := append([]basiq.Job(nil), jobs...)
	slices.SortStableFunc(out, func(a, b basiq.Job) int { return b.Created.Compare(a.Created) })
	return out
}
