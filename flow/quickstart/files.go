package quickstart

import (
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// What the session writes to files, as effects like its calls: the
// accounts exported (e), and the session as a script (s, and
// --export-script at the end of a run, whose exit code says whether it was
// written).

// ExportAccounts writes the accounts and the transactions loaded so far
// into the current directory.
type ExportAccounts struct {
	Format       string // "csv" or "json"
	User         basiq.User
	Accounts     []basiq.Account
	Transactions []basiq.Transaction // in the order of the accounts
}

// SaveScript writes the session as a bash script and a Go program: at
// Path (the program beside it), or with Path "" in the current directory,
// named by the time.
type SaveScript struct {
	Path    string
	User    basiq.User
	Created bool // made by the session: the script makes one like it
	Demo    bool // the demo's: its simulator is gone, the script calls Basiq
	Timeout time.Duration
	// Consents are the consents that connected a bank, as the script repeats them.
	Consents []BankConsent
}

// Written is where a file effect wrote its files, or why it did not.
type Written struct {
	Dir   string // the directory they went in, "" when unknown
	Files []string
	Err   error
}

type (
	AccountsExported struct{ Written }
	ScriptSaved      struct{ Written }
)

func (ExportAccounts) isEffect() {}
func (SaveScript) isEffect()     {}

func (AccountsExported) isEvent() {}
func (ScriptSaved) isEvent()      {}

// ProgramPathFor is where the Go program goes beside the bash script at
// path: quickstart.sh gives quickstart.go, and a name without .sh gets .go
// added (quickstart gives quickstart.go).
func ProgramPathFor(scriptPath string) string {
	return strings.TrimSuffix(scriptPath, ".sh") + ".go"
}

// HandlerDirFor is the folder of the webhook handler in Go beside the
// bash script at path: quickstart.sh gives quickstart-webhooks.
func HandlerDirFor(scriptPath string) string {
	return strings.TrimSuffix(scriptPath, ".sh") + "-webhooks"
}

// Said is the script's save in one line: what it wrote (and where, in Dir,
// when there is room to say it), or why it did not; "" before any save.
func (w *Written) Said(where bool) string {
	switch {
	case w == nil:
		return ""
	case w.Err != nil:
		return "Session not saved as a script: " + w.Err.Error()
	}
	names := strings.Join(w.Files, " and ")
	switch {
	case len(w.Files) == 3 && ProgramPathFor(w.Files[0]) == w.Files[1] && HandlerDirFor(w.Files[0]) == w.Files[2]:
		// The usual three, the name once: the notice is one line, at 100 columns too.
		names = w.Files[0] + ", .go and " + strings.TrimPrefix(w.Files[2], strings.TrimSuffix(w.Files[0], ".sh")) + "/"
	case len(w.Files) == 2 && ProgramPathFor(w.Files[0]) == w.Files[1]:
		names = w.Files[0] + " and .go"
	}
	in := ""
	if w.Dir != "" && where {
		in = " in " + w.Dir
	}
	return "Saved the session as " + names + in + " (mode 0600)"
}

// CanSaveScript reports whether the session can be saved as a script: it
// starts from the session's user.
func (s *Session) CanSaveScript() bool { return s.User.User.ID != "" }

// ScriptToSave is the session as the script repeats it, to write at path.
func (s *Session) ScriptToSave(path string) SaveScript {
	return SaveScript{Path: path, User: s.User.User, Created: s.User.Created, Demo: s.Demo,
		Timeout: s.cfg.Timeout, Consents: s.BankConsents()}
}

func (a *applying) fileEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case ExportAsked:
		if s.Stage == StageAccounts && s.Accounts.Loaded {
			e := ExportAccounts{Format: ev.Format, User: s.User.User, Accounts: s.Accounts.List}
			for _, acct := range s.Accounts.List { // in table order, not map order
				if f := s.Feeds[acct.ID]; f != nil {
					e.Transactions = append(e.Transactions, f.Items...)
				}
			}
			s.Accounts.Export = nil
			a.do(e)
		}
	case AccountsExported:
		w := ev.Written
		s.Accounts.Export = &w
	case ScriptAsked:
		if s.CanSaveScript() {
			a.do(s.ScriptToSave(""))
		}
	case ScriptSaved:
		w := ev.Written
		s.Script = &w
		if s.exporting { // --export-script, at the end
			s.exporting = false
			code := s.ending
			if w.Err != nil {
				a.say(NoteWarning, w.Said(true))
				if code == ExitOK {
					code = ExitFailed // a run that could not save its script has failed
				}
			} else {
				a.say(NoteDone, w.Said(true))
			}
			a.finish(code)
		}
	default:
		return false
	}
	return true
}

// exportAtTheEnd saves the session as --export-script asks before the run
// ends with code; false when there is nothing to save.
func (a *applying) exportAtTheEnd(code int) bool {
	s := a.s
	if s.cfg.ExportScript == "" || s.exported {
		return false
	}
	s.exported = true
	if !s.CanSaveScript() {
		w := Written{Err: errNoUser}
		s.Script = &w
		a.say(NoteWarning, w.Said(true))
		if code == ExitOK {
			code = ExitFailed
		}
		s.finished, s.exit = true, code
		a.do(Finish{Code: code})
		return true
	}
	s.exporting, s.ending = true, code
	a.do(s.ScriptToSave(s.cfg.ExportScript))
	return true
}

type scriptError string

func (e scriptError) Error() string { return string(e) }

// errNoUser: a run that ended before it had a user has no script to save.
const errNoUser = scriptError("the run ended before it had a user, where the script starts")
