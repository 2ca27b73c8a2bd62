package quickstart

import "github.com/basiq-onboard/basiq-onboard/basiq"

// Consented is one consent of the session that led to jobs: what its link
// was for, and what became of them. The exported script repeats the
// session's consents from these.
type Consented struct {
	Action       string // "" a first consent; basiq.ConsentConnect another bank
	ConnectionID string // a login again on this connection ("" for none)
	Jobs         []string
	Institution  string // the bank, once a job names it
	Succeeded    bool   // a job of it went well
}

// noteConsented records the consent whose jobs are about to be watched.
func (a *applying) noteConsented(ids []string) {
	s := a.s
	s.Consented = append(s.Consented, Consented{Action: s.Link.Action, ConnectionID: s.Link.ConnectionID, Jobs: append([]string(nil), ids...)})
}

// noteJobOutcome marks the consent a job came from with its bank, and
// whether it went well.
func (s *Session) noteJobOutcome(id string, job basiq.Job) {
	for i := range s.Consented {
		c := &s.Consented[i]
		for _, watched := range c.Jobs {
			if watched != id {
				continue
			}
			if c.Institution == "" {
				c.Institution = job.InstitutionID()
			}
			c.Succeeded = c.Succeeded || job.State() == basiq.JobSucceeded
		}
	}
}

// BankConsent is one bank the session connected through consent, as the
// exported script connects it again.
type BankConsent struct {
	Action string // "" the first consent; basiq.ConsentConnect each bank after it
	Bank   string // its name, for the person running the script ("" unknown)
}

// BankConsents are the consents that connected a bank, in order: each
// consent whose job went well once (a login again on a connection connects
// nothing new), or, where none went well, the first one tried. The first is
// a first consent, the others connect another bank, as a new run needs them.
func (s *Session) BankConsents() []BankConsent {
	var out []BankConsent
	for _, c := range s.Consented {
		if !c.Succeeded || c.ConnectionID != "" && len(out) > 0 {
			continue
		}
		out = append(out, BankConsent{Action: basiq.ConsentConnect, Bank: s.bankNameOrEmpty(c.Institution)})
	}
	if len(out) == 0 && len(s.Consented) > 0 {
		out = append(out, BankConsent{Bank: s.bankNameOrEmpty(s.Consented[0].Institution)})
	}
	if len(out) > 0 {
		out[0].Action = ""
	}
	return out
}

func (s *Session) bankNameOrEmpty(id string) string {
	if id == "" {
		return ""
	}
	return s.BankName(id)
}
