package basiq

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
)

// Local validation with Basiq's own rules, so a form can say what is wrong
// before a round trip. The messages are Basiq's, plus an example of the form.

var (
	ErrEmailOrMobileRequired = errors.New("give an email, a mobile, or both")
	ErrEmailFormat           = errors.New("not an email address, e.g. max@example.com")
	ErrMobileFormat          = errors.New("use international form, e.g. +61412345678")
	// RFC 5321's limits, in octets: characters, for a plain address.
	ErrEmailTooLong      = fmt.Errorf("too long: an email address has at most %d characters", maxEmailOctets)
	ErrEmailLocalTooLong = fmt.Errorf("too long before the @: at most %d characters there", maxLocalOctets)
	// Control, formatting and direction characters: invisible, or making
	// the text show other than it is (U+009B, U+202E...).
	ErrEmailHidden = errors.New("an email address cannot hold control, invisible or text-direction characters")
)

const (
	maxEmailOctets = 254
	maxLocalOctets = 64
)

// mobilePattern is "+<country code><number>": Basiq publishes no regex, so
// this follows E.164 (at most 15 digits, no leading zero in the country code).
var mobilePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidateEmail checks one email address: a local part, an @ and a domain
// with a dot, within RFC 5321's lengths and with nothing hidden in it. The
// error says which rule it breaks.
func ValidateEmail(email string) error {
	if email == "" {
		return nil
	}
	if len(email) > maxEmailOctets {
		return fmt.Errorf("%w (this one has %d)", ErrEmailTooLong, len(email))
	}
	if at := strings.LastIndexByte(email, '@'); at > maxLocalOctets {
		return fmt.Errorf("%w (this one has %d)", ErrEmailLocalTooLong, at)
	}
	if i := strings.IndexFunc(email, printable.Hidden); i >= 0 {
		r, _ := utf8.DecodeRuneInString(email[i:])
		return fmt.Errorf("%w (found %U)", ErrEmailHidden, r)
	}
	if why := emailTypo(email); why != "" {
		return emailFormatError(why)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return ErrEmailFormat
	}
	return nil
}

// emailFormatError is ErrEmailFormat with what is wrong, in the words a
// form shows under the field.
type emailFormatError string

func (e emailFormatError) Error() string        { return "not an email address: " + string(e) }
func (e emailFormatError) Is(target error) bool { return target == ErrEmailFormat }

// emailTypo names the slips people make typing an address, with the address
// they meant where it is plain: "" when none is seen.
func emailTypo(email string) string {
	at := strings.LastIndexByte(email, '@')
	switch {
	case strings.ContainsAny(email, " \t"):
		return "it has a space (an address has none)"
	case at < 0:
		return "it has no @, e.g. max@example.com"
	case strings.Count(email, "@") > 1:
		return "it has more than one @"
	case at == 0:
		return "nothing before the @, e.g. max@example.com"
	}
	domain := email[at+1:]
	switch {
	case domain == "":
		return "nothing after the @, e.g. max@example.com"
	case strings.ContainsAny(domain, ",;"):
		return "a comma where a dot belongs? (" + email[:at+1] + strings.NewReplacer(",", ".", ";", ".").Replace(domain) + ")"
	case strings.Contains(domain, ".."):
		return "two dots in a row after the @"
	case strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, "."):
		return "the part after the @ starts or ends with a dot"
	case !strings.Contains(domain, "."):
		return "the part after the @ has no dot (" + email[:at+1] + domain + ".com?)"
	}
	return ""
}

// NormalizeMobile drops the spaces, dashes and brackets people type in phone
// numbers ("+61 412 345 678" -> "+61412345678"); the API wants digits only.
func NormalizeMobile(mobile string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.':
			return -1
		}
		return r
	}, strings.TrimSpace(mobile))
}

// ValidateMobile checks a mobile number, after NormalizeMobile, is in international form.
func ValidateMobile(mobile string) error {
	if mobile == "" {
		return nil
	}
	if !mobilePattern.MatchString(NormalizeMobile(mobile)) {
		return ErrMobileFormat
	}
	return nil
}

// Validate checks a new user as Basiq will: one of email or mobile, each well formed.
func (u NewUser) Validate() error {
	if strings.TrimSpace(u.Email) == "" && strings.TrimSpace(u.Mobile) == "" {
		return ErrEmailOrMobileRequired
	}
	if err := ValidateEmail(strings.TrimSpace(u.Email)); err != nil {
		return err
	}
	return ValidateMobile(u.Mobile)
}

// ErrNothingToUpdate says a user update sets no field.
var ErrNothingToUpdate = errors.New("nothing to change: set an email, a mobile or a name")

// Validate checks an update as Basiq will: each field set well formed.
func (u UserUpdate) Validate() error {
	if u == (UserUpdate{}) {
		return ErrNothingToUpdate
	}
	if err := ValidateEmail(strings.TrimSpace(u.Email)); err != nil {
		return err
	}
	return ValidateMobile(u.Mobile)
}

var idPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ErrIDFormat says an id is not the UUID form Basiq uses for users and jobs.
var ErrIDFormat = errors.New("not a Basiq id: expected a UUID like 7f1c2a4e-…-0b2e9c3d4f5a")

// ValidateID checks a user or job id has Basiq's UUID form.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return ErrIDFormat
	}
	return nil
}

// ErrNoJobID says a pasted text held no job id.
var ErrNoJobID = errors.New("no job id found: paste the page address the consent flow ended on, or a job id")

// MaxJobRefs is how many jobs one run watches at most (--job-id, a paste):
// each is polled, and a paste of a thousand ids is a mistake, not a plan.
const MaxJobRefs = 20

// ParseJobRefs pulls job ids out of what a user pasted after consent: the
// redirect URL (with jobIds=a,b,c and/or jobId=a), a query string, a
// comma-separated list, or one bare id. Order is kept; duplicates are dropped.
func ParseJobRefs(pasted string) ([]string, error) {
	s := strings.TrimSpace(pasted)
	var candidates []string
	if i := strings.IndexByte(s, '?'); i >= 0 || strings.Contains(s, "jobId") {
		query := s
		if i >= 0 {
			query = s[i+1:]
		}
		if j := strings.IndexByte(query, '#'); j >= 0 {
			query = query[:j]
		}
		values, err := url.ParseQuery(query)
		if err == nil {
			for _, v := range append(values["jobIds"], values["jobId"]...) {
				candidates = append(candidates, strings.Split(v, ",")...)
			}
		}
	} else {
		candidates = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	}
	var ids []string
	seen := map[string]bool{}
	for _, c := range candidates {
		c = strings.ToLower(strings.TrimSpace(c))
		if ValidateID(c) != nil || seen[c] {
			continue
		}
		seen[c] = true
		ids = append(ids, c)
	}
	switch {
	case len(ids) == 0:
		return nil, ErrNoJobID
	case len(ids) > MaxJobRefs:
		return nil, fmt.Errorf("%d job ids: one run watches at most %d", len(ids), MaxJobRefs)
	}
	return ids, nil
}

var institutionFilterPattern = regexp.MustCompile(`institution\.id\.eq\('([A-Za-z0-9]+)'\)`)

// institutionFromFilter reads the id out of a step result URL such as
// /users/u/accounts?filter=institution.id.eq('AU00000'), raw or URL-encoded.
func institutionFromFilter(link string) string {
	if decoded, err := url.QueryUnescape(link); err == nil {
		link = decoded
	}
	if m := institutionFilterPattern.FindStringSubmatch(link); m != nil {
		return m[1]
	}
	return ""
}

func lastSegment(link string) string {
	link = strings.TrimRight(link, "/")
	if i := strings.LastIndexByte(link, '/'); i >= 0 {
		return link[i+1:]
	}
	return link
}
