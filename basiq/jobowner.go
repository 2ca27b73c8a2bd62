package basiq

import (
	"net/url"
	"strings"
)

// UserID is the user whose connection the job is about: the segment after
// /users/ in links.source (/users/{userId}/connections/{connectionId}), ""
// when the job does not say.
func (j Job) UserID() string {
	path := j.Links.Source
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.Path
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] == "users" {
			return segs[i+1]
		}
	}
	return ""
}
