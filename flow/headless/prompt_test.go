package headless

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// fakePrompter answers each question in turn, as a person at a terminal
// would, and keeps what it was asked.
type fakePrompter struct {
	mu      sync.Mutex
	answers []string
	asked   []string
	secrets []string // the questions asked without echo
}

func (p *fakePrompter) next(q string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, q)
	if len(p.answers) == 0 {
		return "", io.EOF
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func (p *fakePrompter) Line(_ context.Context, q string) (string, error) { return p.next(q) }

func (p *fakePrompter) Secret(_ context.Context, q string) (string, error) {
	p.mu.Lock()
	p.secrets = append(p.secrets, q)
	p.mu.Unlock()
	return p.next(q)
}

// piedPiperWaiting is the job at Pied Piper waiting on its two questions, then done.
func piedPiperWaiting() (waiting, done basiq.Job) {
	waiting = flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepPending, basiq.StepPending)
	waiting.Institution = &basiq.Ref{ID: flowtest.PiedPiper}
	waiting.Steps = append([]basiq.Step{waiting.Steps[0], {Title: basiq.StepMFAChallenge, Status: basiq.StepInProgress,
		Result: &basiq.StepResult{Type: basiq.ResultMFA, Method: "security-questions", Input: []string{"What's your favourite company?", "What's the ID of this institution?"}, ExpiryMs: 120000}}},
		waiting.Steps[1:]...)
	done = flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	done.Institution = waiting.Institution
	done.Steps = append([]basiq.Step{done.Steps[0], {Title: basiq.StepMFAChallenge, Status: basiq.StepSuccess}}, done.Steps[1:]...)
	return waiting, done
}

func TestItem1HeadlessAsksTheBanksQuestionsAtTheTerminalAndEventsNeverHoldTheAnswers(t *testing.T) {
	r := newHeadless()
	waiting, done := piedPiperWaiting()
	r.watching(waiting)
	r.api.AfterMFA = map[string][]basiq.Job{flowtest.JobID: {done}}
	p := &fakePrompter{answers: []string{"Answer-One", "Answer-Two"}}
	r.cfg.Prompt = p
	// The job is polled while the person types: on this clock, which waits no
	// time, a --timeout that no loaded machine can outrun.
	r.cfg.Timeout = 1000 * time.Hour
	if code := r.run(t, OutputEvents); code != qs.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, &r.stdout, &r.stderr)
	}
	if strings.Join(p.asked, "|") != "  What's your favourite company? |  What's the ID of this institution? " {
		t.Errorf("asked %q: want each question on its own line", p.asked)
	}
	if len(r.api.MFAAnswers) != 1 || strings.Join(r.api.MFAAnswers[0], ",") != "Answer-One,Answer-Two" {
		t.Errorf("sent %q", r.api.MFAAnswers)
	}
	out := r.stdout.String()
	if strings.Contains(out, "Answer-One") || strings.Contains(out, "Answer-Two") {
		t.Errorf("--events holds an answer:\n%s", out)
	}
	// The bank: its name, or its id where the name was not in by the next poll.
	for _, want := range []string{`"event":"mfa_challenge"`, `"questions":["What's your favourite company?","What's the ID of this institution?"]`,
		`"bank":"`, `"event":"mfa_answer"`, `"outcome":"accepted"`} {
		if !strings.Contains(out, want) {
			t.Errorf("--events lacks %s:\n%s", want, out)
		}
	}
}

func TestItem1HeadlessWithoutATerminalFailsTheWaitingJobAndExitsOne(t *testing.T) {
	r := newHeadless()
	waiting, _ := piedPiperWaiting()
	r.watching(waiting)
	r.cfg.Timeout = 1000 * time.Hour // the job waits on: only the missing terminal may end the run
	if code := r.run(t, OutputEvents); code != qs.ExitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, &r.stdout)
	}
	if out := r.stdout.String(); !strings.Contains(out, `"code":"mfa-no-terminal"`) || !strings.Contains(out, `"event":"mfa_challenge"`) {
		t.Errorf("--events:\n%s", out)
	}
	if n := r.api.Count("GET /users/" + flowtest.UserID + "/accounts"); n != 0 {
		t.Errorf("the accounts were fetched %d times after the failure", n)
	}
}

func TestItem8HeadlessWithATerminalAsksForTheKeyWithoutEchoAndTheEmail(t *testing.T) {
	r := newHeadless()
	r.cfg.EnvKey, r.cfg.Email = "", ""
	r.cfg.Keys = &memStore{}
	r.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	p := &fakePrompter{answers: []string{"not-the-key", flowtest.GoodKey, "max@example.com"}}
	r.cfg.Prompt = p
	if code := r.run(t, OutputTable); code != qs.ExitOK {
		t.Fatalf("exit %d\n%s", code, &r.stderr)
	}
	if len(p.secrets) != 2 || !strings.Contains(p.secrets[0], "API key") {
		t.Errorf("the key was asked %q without echo; want twice (a wrong one, then the right one)", p.secrets)
	}
	if len(p.asked) != 3 || !strings.Contains(p.asked[2], "email") {
		t.Errorf("asked %q", p.asked)
	}
	if !strings.Contains(r.stderr.String(), "did not recognise") || strings.Contains(r.stderr.String(), "not-the-key") {
		t.Errorf("the wrong key: stderr\n%s", &r.stderr)
	}
	if !strings.Contains(r.stdout.String(), "Transaction 14000") {
		t.Errorf("no accounts table:\n%s", &r.stdout)
	}
	// The input ends before a key: a clear problem, exit 1.
	r = newHeadless()
	r.cfg.EnvKey = ""
	r.cfg.Prompt = &fakePrompter{}
	if code := r.run(t, OutputTable); code != qs.ExitFailed || !strings.Contains(r.stderr.String(), "No answer came for the API key") {
		t.Errorf("no key typed: exit %d\n%s", code, &r.stderr)
	}
}

// memStore is a KeyStore with no key saved.
type memStore struct{}

func (memStore) Load(string) (string, error) { return "", nil }
func (memStore) Where() (string, bool)       { return "memory", false }
func (*memStore) Save(_, key string) error   { return errors.New("not here") }
