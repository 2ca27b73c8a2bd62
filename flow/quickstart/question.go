package quickstart

// QuestionKind is what the question that stands asks.
type QuestionKind int

const (
	NoQuestion QuestionKind = iota
	// QuestionConfirm: delete or revoke something, or delete the user on
	// the way out (Explore.Confirm says what).
	QuestionConfirm
	QuestionSaveKey     // save the good key typed here (Key.SaveOffer)
	QuestionCreateAgain // create another user although the last POST may have made one
	QuestionContinue    // continue with the last session's user (User.Offer)
)

// Question is the yes/no question that stands, which Answered answers;
// NoQuestion when none does. A y/N question before something that cannot
// be undone comes first: it is asked over every screen.
func (s *Session) Question() QuestionKind {
	switch {
	case s.Explore.Confirm != nil:
		return QuestionConfirm
	case s.Key.SaveOffer != nil && !s.Key.SaveOffer.Probing:
		return QuestionSaveKey
	case s.User.AskCreateAgain:
		return QuestionCreateAgain
	case s.User.Offer != nil && s.Stage == StageUser:
		return QuestionContinue
	}
	return NoQuestion
}

// answered takes the answer to the question that stands.
func (a *applying) answered(yes bool) {
	s := a.s
	switch s.Question() {
	case QuestionConfirm:
		a.confirmAnswered(yes)
	case QuestionSaveKey:
		a.saveAnswered(yes)
	case QuestionCreateAgain:
		s.User.AskCreateAgain = false
		if yes {
			a.createUser(s.User.pending, true)
		}
	case QuestionContinue:
		offer := s.User.Offer
		s.User.Offer = nil
		if yes {
			s.resumeJobs, s.resumeCreated = offer.Jobs, offer.Created
			a.lookUpUser(offer.UserID)
		}
	}
}
