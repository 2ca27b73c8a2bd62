package quickstart

import (
	"errors"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// UserState is the Basiq user who owns the connection.
type UserState struct {
	User    basiq.User // ID "" until there is one
	Created bool       // made by this session (false: looked up by id)
	Working bool
	// FieldErrors are Basiq's words about a field of the form: "email", "mobile", "id".
	FieldErrors map[string]string
	// Answers counts Basiq's answers about the user: FieldErrors change only with one.
	Answers int
	// MayExist: a POST /users got no clear answer, so posting again needs a yes.
	MayExist bool
	// AskCreateAgain: a new POST /users waits for that yes (default no).
	AskCreateAgain bool
	// Offer is the last session's user, offered to continue with (nil: none).
	Offer *Memory
	// LookingUp is the id being (or last) looked up, "" for a new user.
	LookingUp string
	// Doing says what is being done for the user while Working, as the
	// headless faces say it: "Creating a user (POST /users)".
	Doing   string
	pending basiq.NewUser // the details of the last POST /users
}

func (a *applying) userEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case UserSubmitted:
		switch {
		case s.Stage != StageUser || s.User.Working || s.User.User.ID != "":
		case strings.TrimSpace(ev.ID) != "":
			a.lookUpUser(strings.TrimSpace(ev.ID))
		default:
			a.createUser(ev.User, false)
		}
	case UserLoaded:
		a.userLoaded(ev)
	case ConsentAsked:
		if s.Stage == StageUser && s.User.User.ID != "" {
			a.toConsent()
		}
	default:
		return false
	}
	return true
}

// toUser moves on from the key: with --user-id that user is looked up at once;
// headless, the user of the flags is created.
func (a *applying) toUser() {
	s := a.s
	s.Stage = StageUser
	switch {
	case s.cfg.UserID != "":
		a.lookUpUser(s.cfg.UserID)
	case !s.cfg.Interactive && s.cfg.Ask && s.cfg.Email == "" && s.cfg.Mobile == "" && !s.cfg.Demo:
		a.do(Ask{Kind: AskEmail})
	case !s.cfg.Interactive:
		a.createUser(s.newUserFromFlags(), false)
	default:
		a.offerToContinue()
	}
}

// createUser posts a new user, unless the last post may have made one
// already: then it asks first (confirmed says it has).
func (a *applying) createUser(u basiq.NewUser, confirmed bool) {
	s := a.s
	u = s.demoExample(u) // enter on the demo's empty form
	if err := u.Validate(); err != nil && s.asks() && s.cfg.Email == "" && s.cfg.Mobile == "" {
		// Typed at the terminal: said, and asked again.
		a.say(NoteWarning, err.Error())
		a.do(Ask{Kind: AskEmail})
		return
	}
	if err := u.Validate(); err != nil && s.cfg.Interactive {
		// Nothing was sent: the form says what to fix, beside the field it concerns.
		field, msg := "", err.Error()
		switch {
		case basiq.ValidateEmail(strings.TrimSpace(u.Email)) != nil:
			field = "email"
		case errors.Is(err, basiq.ErrEmailOrMobileRequired):
			msg = "Give an email, a mobile, or both."
		default:
			field = "mobile"
		}
		s.User.FieldErrors = map[string]string{field: msg}
		s.User.Answers++
		return
	}
	if err := u.Validate(); err != nil {
		a.fail(Problem{Call: CallCreateUser, What: err.Error(), Next: "Correct the details and try again.", Remedies: []Remedy{RemedyBack}})
		return
	}
	s.User.pending = u
	if s.User.MayExist && !confirmed {
		s.User.AskCreateAgain = true
		return
	}
	a.clearProblem()
	s.User.Working, s.User.FieldErrors, s.User.LookingUp = true, nil, ""
	a.doing(&s.User.Doing, "Creating a user (POST /users)")
	a.do(CreateUser{User: u})
}

func (a *applying) lookUpUser(id string) {
	s := a.s
	a.clearProblem()
	s.User.Working, s.User.FieldErrors, s.User.LookingUp = true, nil, id
	a.doing(&s.User.Doing, "Looking up user "+id+" (GET /users/{id})")
	a.do(LookUpUser{ID: id})
}

func (a *applying) userLoaded(ev UserLoaded) {
	s := a.s
	s.User.Working = false
	s.User.Answers++
	if ev.Err != nil {
		call := CallCreateUser
		if !ev.Created {
			call = CallGetUser
		}
		// Basiq's word on a field goes next to that field, where a person can fix it.
		field := fieldOf(ev.Err)
		if !ev.Created && basiq.IsNotFound(ev.Err) {
			field = "id"
		}
		if field != "" && s.cfg.Interactive {
			msg := detailOf(ev.Err)
			if field == "id" && basiq.IsNotFound(ev.Err) {
				msg = "No user with this id under this application."
			}
			s.User.FieldErrors = map[string]string{field: msg}
			return
		}
		p := problemFor(call, ev.Err)
		// Trying again is offered whatever went wrong: after an answer
		// that may have made the user, it asks first (AskCreateAgain).
		s.User.MayExist = s.User.MayExist || basiq.UserMayExist(ev.Err)
		p.Remedies = []Remedy{RemedyRetry}
		if s.CanGoBack() {
			p.Remedies = append(p.Remedies, RemedyBack)
		}
		a.fail(p)
		return
	}
	a.clearProblem()
	s.User.User, s.User.Created, s.User.MayExist = ev.User, ev.Created || s.resumeCreated, false
	u := ev.User
	a.do(Say{Kind: NoteUser, Text: "User " + text.Field(u.ID), User: &u})
	a.remember()
	a.startEvents()
	switch {
	case len(s.cfg.JobIDs) > 0:
		a.watchFromBefore(s.cfg.JobIDs)
	case len(s.resumeJobs) > 0:
		a.recallJobs(s.resumeJobs)
	case ev.Created && s.cfg.Interactive:
		// The person sees the new id first; the link is minted meanwhile.
		a.prepareConsent()
	case ev.Created:
		a.toConsent()
	default:
		a.toViewsOrConsent()
	}
}

// toViewsOrConsent goes on with an existing user: to the views, if it has
// connected a bank; else to consent.
func (a *applying) toViewsOrConsent() {
	s := a.s
	uid := s.User.User.ID
	s.Explore.deciding = true
	s.Explore.Connections.Loading = true
	s.Explore.Connections.Endpoint = "GET /users/" + uid + "/connections"
	a.say(NoteDoing, "Listing the user's connections (GET /users/"+uid+"/connections)")
	a.do(LoadConnections{UserID: uid})
}
