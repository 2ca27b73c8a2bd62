package simulator

// Login is a sandbox login, for completing --persona.
type Login struct {
	Name   string // what to log in as
	Person string // whose accounts it has
	Fails  string // Basiq's title for how its login fails; "" when it works
}

// Logins are the sandbox logins the simulator knows, in Basiq's order.
func Logins() []Login {
	logins := make([]Login, 0, len(sandbox.Personas))
	for _, p := range sandbox.Personas {
		l := Login{Name: p.Login, Person: p.Name}
		if p.Failure != nil {
			l.Fails = p.Failure.Title
		}
		logins = append(logins, l)
	}
	return logins
}
