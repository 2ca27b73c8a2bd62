package jobs

import (
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var hooli = basiq.Institution{ID: "AU00000", Name: "Hooli Bank"}

func init() { hooli.Stats.AverageDurationMs.Total = 32000 }

func job(id string, statuses ...string) basiq.Job {
	titles := []string{basiq.StepVerifyCredentials, basiq.StepRetrieveAccounts, basiq.StepRetrieveTransactions, basiq.StepRetrieveStatements}
	j := basiq.Job{ID: id, Institution: &basiq.Ref{ID: "AU00000"}}
	for i, s := range statuses {
		j.Steps = append(j.Steps, basiq.Step{Title: titles[i], Status: s})
	}
	return j
}

func failed(id, code, title, detail string) basiq.Job {
	j := job(id, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	j.Steps[0].Result = &basiq.StepResult{Type: "error", Code: code, Title: title, Detail: detail}
	return j
}

// jobAt is a job as flow describes it: steps over ran a second each, the
// running one for half a second so far.
func jobAt(j basiq.Job, bank string) Job {
	v := Job{Job: j, Seen: true, Bank: bank, Took: map[string]time.Duration{}}
	if bank == "Hooli Bank" {
		v.Usual = 32 * time.Second
	}
	for _, s := range j.Steps {
		switch {
		case s.Done() || s.Status == basiq.StepFailed:
			v.Took[s.Title] = time.Second
		case s.Status == basiq.StepInProgress:
			v.Took[s.Title] = 500 * time.Millisecond
		}
	}
	if f := j.FailedStep(); f != nil {
		advice := basiq.AdviceFor(f.Result.Code)
		v.Failure = &theme.Problem{What: "Basiq could not connect to " + bank + ": " + f.Result.Title + " " + f.Result.Detail + " (" + f.Result.Code + ")",
			Meaning: advice.Meaning, Next: advice.Next}
	}
	return v
}

// show is the screen drawing jobs, elapsed into the wait; the remedies
// follow Basiq's advice for a failure, as flow decides them.
func show(m Model, elapsed time.Duration, jobs ...Job) Model {
	s := State{Jobs: jobs, Elapsed: elapsed, AllOver: true, AccountsReady: true}
	total, over := 0, 0
	for _, j := range jobs {
		st := j.Job.State()
		s.AllOver = s.AllOver && (st == basiq.JobSucceeded || st == basiq.JobFailed)
		s.AccountsReady = s.AccountsReady && (st == basiq.JobSucceeded || j.Job.StepDone(basiq.StepRetrieveAccounts))
		if f := j.Job.FailedStep(); f != nil {
			s.Failed++
			s.Reconsent = true
			r := basiq.AdviceFor(f.Result.Code).Remedy
			s.Retry = s.Retry || r == basiq.RemedyRetry || r == basiq.RemedyWaitRetry
		}
		for _, step := range j.Job.Steps {
			total++
			if step.Done() || step.Status == basiq.StepFailed {
				over++
			}
		}
	}
	if total > 0 {
		s.Progress = float64(over) / float64(total)
	}
	m.SetState(s)
	return m
}

func sized(w, h int) Model {
	m := New(theme.New(true))
	bw, bh := frame.BodySize(w, h)
	m.SetSize(bw, bh)
	return m
}

const id1 = "a03e4df4-0000-4000-8000-000000000001"
const id2 = "b03e4df4-0000-4000-8000-000000000002"

func hooliJob(j basiq.Job) Job { return jobAt(j, "Hooli Bank") }

var states = map[string]func(Model) Model{
	"pending": func(m Model) Model { return show(m, 0, hooliJob(job(id1, "pending", "pending", "pending"))) },
	"in_progress": func(m Model) Model {
		return show(m, 2*time.Second, hooliJob(job(id1, "success", "in-progress", "pending")))
	},
	"accounts_ready": func(m Model) Model {
		return show(m, 2*time.Second, hooliJob(job(id1, "success", "success", "in-progress")))
	},
	"done": func(m Model) Model {
		return show(m, 2*time.Second, hooliJob(job(id1, "success", "success", "success")))
	},
	"failed_bighead": func(m Model) Model {
		return show(m, time.Second, hooliJob(failed(id1, "invalid-credentials", "Cannot login to target institution using supplied credentials.", "Account is locked")))
	},
	"failed_erlich": func(m Model) Model {
		return show(m, time.Second, hooliJob(failed(id1, "account-not-accessible-requires-user-action", "Account not accessible.", "An action is required from end-user before account details can be returned.")))
	},
	"failed_jianyang": func(m Model) Model {
		return show(m, time.Second, hooliJob(failed(id1, "service-unavailable", "Service Unavailable", "Service is currently unavailable. Please try again later.")))
	},
	"several": func(m Model) Model {
		other := job(id2, "in-progress", "pending", "pending")
		other.Institution = &basiq.Ref{ID: "AU00001"}
		return show(m, time.Second, hooliJob(job(id1, "success", "in-progress", "pending")), jobAt(other, "Hooli Credit Union"))
	},
	"several_one_failed": func(m Model) Model {
		return show(m, time.Second, hooliJob(job(id1, "success", "success", "success")),
			hooliJob(failed(id2, "service-unavailable", "Service Unavailable", "Try again later.")))
	},
	"slow": func(m Model) Model {
		return show(m, 50*time.Second, hooliJob(job(id1, "in-progress", "pending", "pending")))
	},
	"unknown_step": func(m Model) Model {
		j := job(id1, "success")
		j.Steps = append(j.Steps, basiq.Step{Title: "retrieve-meta", Status: "in-progress"})
		return show(m, time.Second, hooliJob(j))
	},
	"mfa_waiting": func(m Model) Model {
		j := piedPiperWaiting()
		j.MFA = &MFA{Method: "token", Input: []string{"OTP Password"}, Left: 112 * time.Second}
		return show(m, 8*time.Second, j)
	},
	"mfa_questions_time_up": func(m Model) Model {
		j := piedPiperWaiting()
		j.MFA = &MFA{Method: "security-questions", Input: []string{"What's your favourite company?", "What's the ID of this institution?"}}
		return show(m, 2*time.Minute, j)
	},
	"back_to_accounts": func(m Model) Model {
		m = show(m, time.Second, hooliJob(failed(id1, "service-unavailable", "Service Unavailable", "Try again later.")))
		s := m.state
		s.BackToAccounts = true
		m.SetState(s)
		return m
	},
	"not_answered_yet": func(m Model) Model {
		return show(m, 0, Job{Job: basiq.Job{ID: id1}, Bank: "your bank"})
	},
}

// piedPiperWaiting is a job at Pied Piper whose security question waits
// for its code.
func piedPiperWaiting() Job {
	j := job(id1, "success", "pending", "pending")
	j.Steps = slices.Insert(j.Steps, 1, basiq.Step{Title: basiq.StepMFAChallenge, Status: basiq.StepInProgress,
		Result: &basiq.StepResult{Type: basiq.ResultMFA, Method: "token", Input: []string{"OTP Password"}, ExpiryMs: 120000}})
	return jobAt(j, "Pied Piper Bank")
}

func TestGoldens(t *testing.T) {
	uitest.Goldens(t, uitest.Windows, frame.BodySize, states, func(state func(Model) Model, w, h int) string {
		return state(sized(w, h)).View()
	})
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, states["failed_bighead"](sized(100, 30)).View()) })
	t.Run("color_light", func(t *testing.T) {
		m := New(theme.New(false))
		m.SetSize(frame.BodySize(100, 30))
		uitest.GoldenColor(t, states["accounts_ready"](m).View())
	})
}

func TestStepTimesAreShownBesideTheirSteps(t *testing.T) {
	j := hooliJob(job(id1, "success", "in-progress"))
	j.Took = map[string]time.Duration{basiq.StepVerifyCredentials: 2100 * time.Millisecond, basiq.StepRetrieveAccounts: 1300 * time.Millisecond}
	v := show(sized(100, 30), 3400*time.Millisecond, j).View()
	if !strings.Contains(v, "2.1s") || !strings.Contains(v, "1.3s") {
		t.Errorf("want 2.1s for the finished step and 1.3s so far for the running one:\n%s", v)
	}
}

func TestAStepsTimeStaysBesideItsNameOnAWideScreen(t *testing.T) {
	j := hooliJob(job(id1, "success", "in-progress"))
	j.Took = map[string]time.Duration{basiq.StepVerifyCredentials: 2100 * time.Millisecond, basiq.StepRetrieveAccounts: 1300 * time.Millisecond}
	v := uitest.Render(show(sized(200, 60), 3400*time.Millisecond, j).View(), colorprofile.NoTTY)
	for _, want := range []string{"✓ Verifying credentials    2.1s", "Retrieving accounts      1.3s"} {
		if !strings.Contains(v, want) {
			t.Errorf("want %q: the time just after the longest step name:\n%s", want, v)
		}
	}
}

func TestTheSpinnerTurnsOnlyWhileAStepRuns(t *testing.T) {
	m := sized(100, 30)
	start := m.SetState(State{Jobs: []Job{hooliJob(job(id1, "success", "in-progress", "pending"))}})
	if start == nil {
		t.Fatal("a running step did not start the spinner")
	}
	tick, ok := start().(spinner.TickMsg)
	if !ok {
		t.Fatalf("the spinner's start is %T", tick)
	}
	if m.SetState(State{Jobs: []Job{hooliJob(job(id1, "success", "in-progress", "pending"))}}) != nil {
		t.Error("a second state started a second spinner")
	}
	if _, next := m.Update(tick); next == nil {
		t.Error("the spinner stopped while the step runs")
	}
	m.SetState(State{Jobs: []Job{hooliJob(job(id1, "success", "success", "success"))}, AllOver: true})
	m, next := m.Update(tick)
	if next != nil {
		t.Error("with nothing running the spinner still turns: a frame a tick for nothing")
	}
	if m.SetState(State{Jobs: []Job{hooliJob(job(id1, "in-progress"))}}) == nil {
		t.Error("a new running step did not start the spinner again")
	}
}

func TestFailureOffersTheRemedyBasiqAdvises(t *testing.T) {
	cases := []struct {
		state string
		key   rune
		want  tea.Msg
	}{
		{"failed_bighead", 'r', ReconsentMsg{}},
		{"failed_bighead", 't', nil}, // a wrong login is not fixed by retrying
		{"failed_erlich", 't', RetryMsg{}},
		{"failed_jianyang", 't', RetryMsg{}},
		{"in_progress", 'r', nil},
		{"in_progress", 'q', QuitMsg{}},
		{"accounts_ready", tea.KeyEnter, ContinueMsg{}},
	}
	for _, c := range cases {
		m := states[c.state](sized(100, 30))
		press := tea.KeyPressMsg{Code: c.key}
		if c.key != tea.KeyEnter {
			press.Text = string(c.key)
		}
		_, cmd := m.Update(press)
		var got tea.Msg
		if cmd != nil {
			got = cmd()
		}
		if got != c.want {
			t.Errorf("%s, key %q: sent %#v, want %#v", c.state, c.key, got, c.want)
		}
	}
	if v := states["failed_bighead"](sized(100, 30)).View(); !strings.Contains(v, "Account is locked") || !strings.Contains(v, "consent again") {
		t.Errorf("bighead's failure is not explained:\n%s", v)
	}
}

func TestSlowJobSaysSo(t *testing.T) {
	if v := states["slow"](sized(100, 30)).View(); !strings.Contains(v, "longer than usual") {
		t.Errorf("past 1.5 times the average nothing says so:\n%s", v)
	}
}

func BenchmarkJobView(b *testing.B) {
	m := states["several"](sized(200, 60))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func TestAQuestionWaitingSaysForWhatAndHowLong(t *testing.T) {
	v := uitest.Render(states["mfa_waiting"](sized(80, 24)).View(), colorprofile.NoTTY)
	if !strings.Contains(v, "Waiting for the code in the browser (OTP Password) · 1m52s left") {
		t.Errorf("a code waited for:\n%s", v)
	}
	v = uitest.Render(states["mfa_questions_time_up"](sized(80, 24)).View(), colorprofile.NoTTY)
	if !strings.Contains(v, "The time to give the answers") || strings.Contains(v, "left") {
		t.Errorf("a question past its time:\n%s", v)
	}
}

func TestAfterAFailedJobEnterGoesBackToTheAccountsFromBefore(t *testing.T) {
	m := states["back_to_accounts"](sized(80, 24))
	if !strings.Contains(m.View(), "The accounts from before are still there") {
		t.Errorf("the way back is not said:\n%s", m.View())
	}
	var help []string
	for _, k := range m.Keys() {
		help = append(help, k.Help().Key+" "+k.Help().Desc)
	}
	if !slices.Contains(help, "enter back to the accounts") {
		t.Errorf("keys %q", help)
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); cmd == nil || cmd() != (ContinueMsg{}) {
		t.Error("enter does not go back to the accounts")
	}
}
