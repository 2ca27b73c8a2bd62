package jobs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var t0 = time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)

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

// play feeds a job's successive states, one a second apart, as polling would.
func play(m Model, states ...basiq.Job) Model {
	for i, j := range states {
		m.SetJob(j, t0.Add(time.Duration(i)*time.Second))
	}
	return m
}

func sized(w, h int) Model {
	m := New(theme.New(true))
	bw, bh := frame.BodySize(w, h)
	m.SetSize(bw, bh)
	m.SetInstitution(hooli)
	return m
}

const id1 = "a03e4df4-0000-4000-8000-000000000001"
const id2 = "b03e4df4-0000-4000-8000-000000000002"

var states = map[string]func(Model) Model{
	"pending": func(m Model) Model { return play(m, job(id1, "pending", "pending", "pending")) },
	"in_progress": func(m Model) Model {
		return play(m, job(id1, "in-progress", "pending", "pending"), job(id1, "success", "in-progress", "pending"), job(id1, "success", "in-progress", "pending"))
	},
	"accounts_ready": func(m Model) Model {
		return play(m, job(id1, "in-progress", "pending", "pending"), job(id1, "success", "in-progress", "pending"), job(id1, "success", "success", "in-progress"))
	},
	"done": func(m Model) Model {
		return play(m, job(id1, "in-progress", "pending", "pending"), job(id1, "success", "in-progress", "pending"), job(id1, "success", "success", "success"))
	},
	"failed_bighead": func(m Model) Model {
		return play(m, job(id1, "in-progress", "pending", "pending"), failed(id1, "invalid-credentials", "Cannot login to target institution using supplied credentials.", "Account is locked"))
	},
	"failed_erlich": func(m Model) Model {
		return play(m, job(id1, "in-progress", "pending", "pending"), failed(id1, "account-not-accessible-requires-user-action", "Account not accessible.", "An action is required from end-user before account details can be returned."))
	},
	"failed_jianyang": func(m Model) Model {
		return play(m, job(id1, "in-progress", "pending", "pending"), failed(id1, "service-unavailable", "Service Unavailable", "Service is currently unavailable. Please try again later."))
	},
	"several": func(m Model) Model {
		other := job(id2, "in-progress", "pending", "pending")
		other.Institution = &basiq.Ref{ID: "AU00001"}
		m.SetInstitution(basiq.Institution{ID: "AU00001", Name: "Hooli Credit Union"})
		return play(m, job(id1, "success", "in-progress", "pending"), other)
	},
	"several_one_failed": func(m Model) Model {
		other := job(id2, "failed", "pending", "pending")
		other.Steps[0].Result = &basiq.StepResult{Code: "service-unavailable", Title: "Service Unavailable", Detail: "Try again later."}
		return play(m, job(id1, "success", "success", "success"), other)
	},
	"slow": func(m Model) Model {
		m = play(m, job(id1, "in-progress", "pending", "pending"))
		m.SetNow(t0.Add(50 * time.Second))
		return m
	},
	"unknown_step": func(m Model) Model {
		j := job(id1, "success")
		j.Steps = append(j.Steps, basiq.Step{Title: "retrieve-meta", Status: "in-progress"})
		return play(m, j)
	},
}

func TestGoldens(t *testing.T) {
	for name, state := range states {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, size[0], size[1]), func(t *testing.T) {
				view := state(sized(size[0], size[1])).View()
				bw, bh := frame.BodySize(size[0], size[1])
				lines := strings.Split(view, "\n")
				for _, line := range lines {
					if lipgloss.Width(line) > bw {
						t.Errorf("line wider than %d: %q", bw, line)
					}
				}
				if len(lines) > bh {
					t.Errorf("%d lines; the body has %d", len(lines), bh)
				}
				uitest.Golden(t, view)
			})
		}
	}
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, states["failed_bighead"](sized(100, 30)).View()) })
}

func TestStepTimesComeFromWhatWasSeen(t *testing.T) {
	m := sized(100, 30)
	m.SetJob(job(id1, "in-progress", "pending"), t0)
	m.SetJob(job(id1, "success", "in-progress"), t0.Add(2100*time.Millisecond))
	m.SetNow(t0.Add(3400 * time.Millisecond))
	v := m.View()
	if !strings.Contains(v, "2.1s") || !strings.Contains(v, "1.3s") {
		t.Errorf("want 2.1s for the finished step and 1.3s so far for the running one:\n%s", v)
	}
}

func TestFailureOffersTheRemedyBasiqAdvises(t *testing.T) {
	cases := []struct {
		state string
		key   rune
		want  tea.Msg
	}{
		{"failed_bighead", 'r', ReconsentMsg{JobID: id1}},
		{"failed_bighead", 't', nil}, // a wrong login is not fixed by retrying
		{"failed_erlich", 't', RetryMsg{JobID: id1}},
		{"failed_jianyang", 't', RetryMsg{JobID: id1}},
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

func TestProgressAndState(t *testing.T) {
	m := states["accounts_ready"](sized(100, 30))
	if !m.AccountsReady() || m.AllDone() || m.Progress() < 0.6 || m.Progress() > 0.7 {
		t.Errorf("ready %v, done %v, progress %.2f", m.AccountsReady(), m.AllDone(), m.Progress())
	}
	m = states["failed_jianyang"](sized(100, 30))
	if !m.AllDone() || len(m.Failed()) != 1 || m.AccountsReady() {
		t.Errorf("failed job: done %v, failed %v, ready %v", m.AllDone(), m.Failed(), m.AccountsReady())
	}
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
