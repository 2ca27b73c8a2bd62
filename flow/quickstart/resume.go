package quickstart

// Resume is how to pick the run up again from a shell, after p (nil: none),
// in one line with its command; "" where no command would help (there is
// no user yet). It names only what still works from where the person is:
// after the demo, whose simulator stopped with the run and took its user
// along, a new demo; after a job that failed, or one Basiq does not know,
// consent again rather than watching it again.
func (s *Session) Resume(p *Problem) string {
	switch {
	case s.Demo:
		return "Run the demo again: basiq-onboard --demo (its simulator stopped with this run, and this user with it)."
	case s.User.User.ID == "":
		return ""
	case p != nil && (p.Call == CallJob || p.Call == CallGetJob && !p.Offers(RemedyRetry)):
		return "Consent again for the same user: basiq-onboard --user-id " + s.User.User.ID
	}
	return "Pick up where you left off: basiq-onboard " + s.ResumeFlags()
}
