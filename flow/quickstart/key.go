package quickstart

import (
	"fmt"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// KeyState is the API key: where it came from and what Basiq said of it.
type KeyState struct {
	Source   KeySource
	Loading  bool // the saved key is being read
	Checking bool // exchanging it for a server token
	Good     bool
	// SaveOffer: the key is good and typed here; save it in Where?
	SaveOffer *SaveOffer
	value     string // kept only until it is saved or declined; never in a note
	savedIn   string
	hadSaved  bool // a key was saved for this API before this run
}

// SaveOffer is where a good key would be saved.
type SaveOffer struct {
	Probing  bool // finding out where (the keyring may take seconds to answer)
	Where    string
	Insecure bool // a plain file, not a keyring
	// Replaces: a key is saved for this API already (it did not work, or
	// another was typed): yes replaces it, no keeps it.
	Replaces bool
}

func (a *applying) keyEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case SavedKeyLoaded:
		s.Key.Loading = false
		s.Key.hadSaved = ev.Key != ""
		switch {
		case ev.Err != nil && s.cfg.Interactive:
			s.Notice = Notice{Text: "The saved key was not used: " + ev.Err.Error(), Warning: true, About: CallServerToken}
		case ev.Err != nil:
			a.say(NoteWarning, "The saved key was not used: "+ev.Err.Error())
		}
		switch {
		case ev.Key != "" && s.Stage == StageKey && !s.Key.Checking && !s.Key.Good:
			a.checkKey(ev.Key, KeyFromStore)
		case !s.cfg.Interactive:
			a.noKey(ev.Key)
		}
	case KeySubmitted:
		if s.Stage != StageKey || s.Key.Checking {
			return true
		}
		switch k := strings.TrimSpace(ev.Key); {
		case (k == "" || k == s.Key.value) && s.Problem.Offers(RemedyRetry):
			a.retry() // the same key (or the demo's, or none typed) again
		case k != "" && !s.Demo:
			a.checkKey(k, KeyTyped)
		}
	case DemoAsked:
		if s.Stage == StageKey && !s.Key.Checking && !s.Key.Good {
			a.startDemo()
		}
	case DemoStarted:
		s.Key.Checking = false
		if ev.Err != nil {
			a.fail(Problem{Call: CallStartDemo, What: "The built-in simulator did not start: " + ev.Err.Error(),
				Next: "Try again, or paste a Basiq API key.", Remedies: []Remedy{RemedyRetry}})
			return true
		}
		a.clearProblem()
		s.Demo, s.Key.Good, s.Key.Source = true, true, KeyDemo
		// The demo has its own slot: a real API's last session is not its to offer.
		s.memory, s.User.Offer = Memory{}, nil
		s.Notice = Notice{Text: "Demo: a built-in Basiq simulator answers; nothing leaves this machine.", About: CallStartDemo}
		a.say(NoteInfo, s.Notice.Text)
		// The demo walks the same first step: its key for a server token.
		a.checkKey("", KeyDemo)
	case KeyChecked:
		s.Key.Checking = false
		if ev.Err != nil {
			p := problemFor(CallServerToken, ev.Err)
			switch {
			case ev.Source == KeyFromStore && basiq.IsBadAPIKey(ev.Err):
				p.What = "The saved key no longer works. " + p.What
			case ev.Source == KeyFromStore:
				// Not a word about the key itself: it is kept, to try again.
				p.What = strings.Replace(p.What, "hecking the key", "hecking the saved key", 1)
				p.Next = strings.TrimSpace(p.Next + " The saved key is kept.")
			case ev.Source == KeyFromEnv:
				p.What = "BASIQ_API_KEY: " + p.What
			}
			// The same wrong key would be refused again; the demo's own key is
			// never wrong, so there the simulator is what misbehaved.
			if !basiq.IsBadAPIKey(ev.Err) || ev.Source == KeyDemo {
				p.Remedies = []Remedy{RemedyRetry}
			}
			if ev.Source == KeyTyped && s.asks() && basiq.IsBadAPIKey(ev.Err) {
				// Typed at the terminal: said, and asked again.
				a.sayProblem(p)
				a.do(Ask{Kind: AskKey})
				return true
			}
			a.fail(p)
			return true
		}
		a.clearProblem()
		s.Key.Good = true
		a.say(NoteDone, "Key accepted")
		if ev.Source == KeyTyped && s.cfg.KeyStore && s.cfg.Interactive {
			// Where it would go is asked off the event loop: a keyring may take seconds.
			s.Key.SaveOffer = &SaveOffer{Probing: true, Replaces: s.Key.hadSaved}
			a.do(ProbeKeyStore{})
			return true
		}
		s.Key.value = ""
		a.toUser()
	case KeyStoreProbed:
		if s.Key.SaveOffer != nil {
			s.Key.SaveOffer = &SaveOffer{Where: ev.Where, Insecure: ev.Insecure, Replaces: s.Key.SaveOffer.Replaces}
		}
	case KeySaved:
		if ev.Err != nil {
			s.Notice = Notice{Text: "The key was not saved: " + ev.Err.Error(), Warning: true, About: CallServerToken}
		} else {
			s.Notice = Notice{Text: "Key saved in " + s.Key.savedIn, Done: true, About: CallServerToken}
		}
	default:
		return false
	}
	return true
}

// saveAnswered answers "save this key?".
func (a *applying) saveAnswered(save bool) {
	s := a.s
	if save {
		s.Key.savedIn = s.Key.SaveOffer.Where
		a.do(SaveKey{Key: s.Key.value})
	}
	s.Key.SaveOffer, s.Key.value = nil, ""
	a.toUser()
}

func (a *applying) startDemo() {
	a.clearProblem()
	a.s.Key.Checking, a.s.Key.Source = true, KeyDemo
	a.say(NoteDoing, "Starting the built-in Basiq simulator")
	a.do(StartDemo{})
}

func (a *applying) checkKey(key string, source KeySource) {
	s := a.s
	a.clearProblem()
	s.Key.Checking, s.Key.Source, s.Key.value = true, source, key
	from := map[KeySource]string{KeyTyped: "the key", KeyFromEnv: "BASIQ_API_KEY", KeyFromStore: "the saved key", KeyDemo: "the demo's key"}[source]
	a.say(NoteDoing, "Exchanging "+from+" for a server token (POST /token)")
	a.do(CheckKey{Key: key, Source: source})
}

// noKey ends a headless run that has no key to try.
func (a *applying) noKey(saved string) {
	if saved != "" {
		a.checkKey(saved, KeyFromStore)
		return
	}
	if a.s.asks() {
		a.do(Ask{Kind: AskKey})
		return
	}
	a.usage("No API key: set BASIQ_API_KEY (a key is never a flag), save one by running the wizard in a terminal, or try --demo.")
}

// usage ends a headless run that cannot start as asked (exit 2), before
// anything is sent; the result names the problem.
func (a *applying) usage(msg string) {
	p := Problem{What: msg, Code: CodeUsage}
	a.s.Problem = &p
	a.do(Say{Kind: NoteProblem, Text: msg, Problem: &p})
	a.finish(ExitUsage)
}

// usageProblem is what a headless run lacks before anything may be sent:
// a script learns what is missing before a user is created. "" when nothing.
func (s *Session) usageProblem() string {
	c := s.cfg
	if err := CheckJobIDs(c.JobIDs); err != nil {
		return err.Error()
	}
	switch {
	case c.UserID != "":
		if err := basiq.ValidateID(c.UserID); err != nil {
			return "--user-id: " + err.Error()
		}
	case c.Email == "" && c.Mobile == "" && !c.Demo && c.Ask:
		// Asked for at the terminal when the user is made.
	case c.Email == "" && c.Mobile == "" && !c.Demo:
		return "Without a terminal there is no form to fill: give --email or --mobile (or --user-id)."
	default:
		u := s.newUserFromFlags()
		if err := u.Validate(); err != nil {
			flag := "--mobile" // the flag whose value is wrong
			if basiq.ValidateEmail(strings.TrimSpace(u.Email)) != nil {
				flag = "--email"
			}
			return flag + ": " + err.Error()
		}
	}
	return ""
}

// CheckJobIDs says what is wrong with --job-id's ids (nil: nothing): too
// many for one run, or one that is no Basiq id. The command line asks it
// before any face starts.
func CheckJobIDs(ids []string) error {
	if len(ids) > MaxJobs {
		return fmt.Errorf("--job-id: %d ids; one run watches at most %d", len(ids), MaxJobs)
	}
	for _, id := range ids {
		if err := basiq.ValidateID(id); err != nil {
			return fmt.Errorf("--job-id %q: %v", id, err)
		}
	}
	return nil
}

// newUserFromFlags is the user --email and --mobile describe; the demo makes
// one up when neither is given.
func (s *Session) newUserFromFlags() basiq.NewUser {
	return s.demoExample(basiq.NewUser{Email: strings.TrimSpace(s.cfg.Email), Mobile: basiq.NormalizeMobile(s.cfg.Mobile)})
}

// demoExample is u, or in the demo (--demo, or ctrl+d on the key screen),
// where nothing was given, the demo's made-up user.
func (s *Session) demoExample(u basiq.NewUser) basiq.NewUser {
	if (s.Demo || s.cfg.Demo) && u.Email == "" && u.Mobile == "" {
		u.Email = ExampleEmail
	}
	return u
}
