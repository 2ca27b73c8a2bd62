package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/basiq-onboard/basiq-onboard/assets"
	"github.com/basiq-onboard/basiq-onboard/basiq"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// ScriptFacts are what the exported script takes from a session. Never a
// secret: the key and tokens stay in the environment of whoever runs it.
type ScriptFacts struct {
	APIURL     string // BASIQ_API_URL's default
	ConsentURL string // BASIQ_CONSENT_URL's default
	// UserID is the user the session looked up; "" when it created one,
	// and the script creates one like it (NewUser).
	UserID  string
	NewUser basiq.NewUser
	// FromDemo: the session ran in the demo, whose simulator is gone, so
	// the URLs are Basiq's and the user is made afresh.
	FromDemo       bool
	TimeoutSeconds int // how long the script waits for consent and the job
	// Consents are the session's consents that connected a bank, in order:
	// the script goes through each (none: one first consent).
	Consents []qs.BankConsent

	redact *basiq.Redactor // the run's: what the server said goes through it
}

// ScriptFactsOf is what a session did, as the script repeats it (the
// session says it in its SaveScript effect).
func ScriptFactsOf(s qs.SaveScript, cfg Config) ScriptFacts {
	u := s.User
	f := ScriptFacts{
		APIURL:         cfg.APIURL,
		ConsentURL:     cfg.ConsentBase,
		FromDemo:       s.Demo,
		TimeoutSeconds: int(s.Timeout / time.Second),
		redact:         cfg.Redactor,
		Consents:       s.Consents,
	}
	switch {
	case s.Demo:
		// The simulator stopped with the demo: its URLs and its user id mean
		// nothing after it. The calls go to Basiq, for a user made there.
		f.APIURL, f.ConsentURL = basiq.DefaultBaseURL, basiq.DefaultConsentBase
		f.NewUser = basiq.NewUser{Email: u.Email, Mobile: u.Mobile}
		if f.NewUser == (basiq.NewUser{}) {
			f.NewUser.Email = qs.ExampleEmail
		}
	case s.Created:
		f.NewUser = basiq.NewUser{Email: u.Email, Mobile: u.Mobile}
	default:
		f.UserID = u.ID
	}
	return f
}

// ReadmeScriptFacts are the session README's quickstart shows: a new user at
// Basiq, as the demo makes it.
func ReadmeScriptFacts() ScriptFacts {
	return ScriptFacts{NewUser: basiq.NewUser{Email: qs.ExampleEmail}}
}

// scriptData is what the templates read: the facts, cleaned, and the file names.
type scriptData struct {
	ScriptFacts
	NewUserJSON             string
	PollSeconds             int
	ScriptName, ProgramName string
}

// scriptTemplates are parsed on first use, not when the program starts.
var scriptTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{"sh": basiq.ShellWord}).
		ParseFS(assets.Script, "script/*.tmpl"))
})

// ScriptFiles are the session as a bash script and as a Go program; the
// names go in their usage lines.
func ScriptFiles(f ScriptFacts, scriptName, programName string) (script, program []byte, err error) {
	d := dataFor(f)
	d.ScriptName, d.ProgramName = scriptName, programName
	script, err = render("quickstart.sh.tmpl", d)
	if err != nil {
		return nil, nil, err
	}
	src, err := render("quickstart.go.tmpl", d)
	if err != nil {
		return nil, nil, err
	}
	program, err = format.Source(src)
	if err != nil {
		return nil, nil, fmt.Errorf("the Go program does not parse: %w", err)
	}
	return script, program, nil
}

// ReadmeQuickstart is README's "quickstart by hand": the script's calls, one
// at a time, for a shell.
func ReadmeQuickstart() []byte {
	b, err := render("readme.sh.tmpl", dataFor(ReadmeScriptFacts()))
	if err != nil {
		panic(err) // the embedded template and fixed facts: a bug, found by the tests
	}
	return b
}

func dataFor(f ScriptFacts) scriptData {
	if f.APIURL == "" {
		f.APIURL = basiq.DefaultBaseURL
	}
	if f.ConsentURL == "" {
		f.ConsentURL = basiq.DefaultConsentBase
	}
	if f.TimeoutSeconds <= 0 {
		f.TimeoutSeconds = int(10 * time.Minute / time.Second)
	}
	// Values land in a file someone will cat: nothing in them may act on a
	// terminal, and what the server said goes through the redactor.
	f.APIURL = strings.TrimRight(text.Safe(f.APIURL), "/")
	f.ConsentURL = text.Safe(f.ConsentURL)
	f.UserID = f.redact.String(text.Safe(f.UserID))
	f.NewUser = basiq.NewUser{Email: f.redact.String(text.Safe(f.NewUser.Email)), Mobile: f.redact.String(text.Safe(f.NewUser.Mobile))}
	if len(f.Consents) == 0 {
		f.Consents = []qs.BankConsent{{}}
	}
	consents := make([]qs.BankConsent, len(f.Consents))
	for i, c := range f.Consents {
		consents[i] = qs.BankConsent{Action: text.Safe(c.Action), Bank: f.redact.String(text.Safe(c.Bank))}
		if consents[i].Bank == "" {
			consents[i].Bank = "a bank"
		}
	}
	f.Consents = consents
	body, _ := json.Marshal(f.NewUser) // two strings: it cannot fail
	return scriptData{ScriptFacts: f, NewUserJSON: string(body), PollSeconds: int(qs.ConsentPollEvery / time.Second)}
}

func render(name string, d scriptData) ([]byte, error) {
	var b bytes.Buffer
	if err := scriptTemplates().ExecuteTemplate(&b, name, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// FetchAccountsCommands are the commands that fetch a user's accounts again
// from Basiq at apiURL, with the key in $BASIQ_API_KEY: the URL and the
// user, a server token, the accounts. They are the exported script's own
// calls (calls.sh.tmpl), each command whole on one line.
func FetchAccountsCommands(apiURL, userID string) []string {
	if apiURL == "" {
		apiURL = basiq.DefaultBaseURL
	}
	var b bytes.Buffer
	d := struct{ APIURL, UserID string }{strings.TrimRight(text.Safe(apiURL), "/"), text.Safe(userID)}
	if err := scriptTemplates().ExecuteTemplate(&b, "fetch-accounts", d); err != nil {
		panic(err) // the embedded template and two strings: a bug, found by the tests
	}
	var commands []string
	joining := false // the line before ended with a continuation
	for _, line := range strings.Split(b.String(), "\n") {
		cont := strings.HasSuffix(line, ` \`)
		line = strings.TrimSuffix(line, ` \`)
		if joining {
			commands[len(commands)-1] += " " + strings.TrimSpace(line)
		} else {
			commands = append(commands, line)
		}
		joining = cont
	}
	return commands
}

// CheckScriptPath says why the session cannot be exported to scriptPath
// (and the Go program beside it), before a run starts; nil when it can.
func CheckScriptPath(scriptPath string) error {
	if strings.HasSuffix(scriptPath, ".go") {
		return fmt.Errorf("%s: name the bash script (e.g. quickstart.sh); the Go program goes beside it as .go", scriptPath)
	}
	for _, p := range []string{scriptPath, qs.ProgramPathFor(scriptPath), qs.HandlerDirFor(scriptPath)} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: an export never writes over a file; give a new name", p)
		}
	}
	return nil
}

// ExportScript writes the session as a bash script at scriptPath and a Go
// program beside it (ProgramPathFor), owner-readable only, never over a
// file and never through a symbolic link: both or neither. It returns the
// paths written.
func ExportScript(f ScriptFacts, scriptPath string) ([]string, error) {
	programPath := qs.ProgramPathFor(scriptPath)
	script, program, err := ScriptFiles(f, filepath.Base(scriptPath), filepath.Base(programPath))
	if err != nil {
		return nil, err
	}
	if err := writeNew(scriptPath, script); err != nil {
		return nil, exportError(scriptPath, err)
	}
	if err := writeNew(programPath, program); err != nil {
		os.Remove(scriptPath) // made just now, by us: neither is left
		return nil, exportError(programPath, err)
	}
	handlerDir := qs.HandlerDirFor(scriptPath)
	if err := writeHandler(handlerDir); err != nil {
		os.Remove(scriptPath)
		os.Remove(programPath)
		return nil, exportError(handlerDir, err)
	}
	return []string{scriptPath, programPath, handlerDir}, nil
}

// handlerFiles are the webhook handler's files, in its folder, from
// assets/script/handler (named .tmpl there: a go.mod in the embedded tree
// would make it a module of its own).
var handlerFiles = []string{"main.go", "go.mod", "go.sum"}

// writeHandler writes the webhook handler in Go into a new folder dir: its
// own module, since it needs the Standard Webhooks library (the
// quickstart program beside it stays one standard-library file). The
// folder is made new, owner-only; a failure leaves nothing.
func writeHandler(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	for _, name := range handlerFiles {
		body, err := assets.Script.ReadFile("script/handler/" + name + ".tmpl")
		if err == nil {
			err = writeNew(filepath.Join(dir, name), body)
		}
		if err != nil {
			os.RemoveAll(dir) // made just now, by us
			return err
		}
	}
	return nil
}

// ExportScriptHere writes the session into the current directory, named by
// the time (basiq-quickstart-20261124-140500.sh and .go), and says where.
func ExportScriptHere(f ScriptFacts, now time.Time) (dir string, files []string, err error) {
	files, err = ExportScript(f, "basiq-quickstart-"+now.Format("20060102-150405")+".sh")
	dir, _ = os.Getwd() // only said to the user; empty if the directory is gone
	return dir, files, err
}

// exportError says in words why a file was not written.
func exportError(path string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists (or is a link): an export never writes over a file", path)
	}
	return err
}
