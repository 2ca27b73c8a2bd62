package basiq

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Redacted is what a secret becomes in any output.
const Redacted = "[redacted]"

// PieceLen is the shortest piece of a known secret the redactor finds
// anywhere: a token cut short, or broken by a line or an escape, is still
// hidden when 16 characters of it are left together.
const PieceLen = 16

// shortestSecret is the least a remembered secret must have to be hidden
// wherever it stands whole: shorter strings are ordinary text too.
const shortestSecret = 8

// Redactor hides secrets in text bound for any output (the --debug trace,
// the request inspector, --events, --json, the exported script, the
// summary), whatever state the text is in: cut anywhere, JSON-escaped
// (\u0065yJ…), broken by whitespace or terminal styling, or several
// answers run together. It hides
//   - what it was told (Remember): the API key and every token, and any
//     piece of them of PieceLen characters;
//   - values by their key's name (access_token, secret, password,
//     Authorization, …), quoted or not, closed or cut;
//   - by shape: a JWT (eyJ…, with or without its dots), a whsec_ secret, and
//     base64 that decodes to id:secret (an API key).
//
// Ids stay: a UUID (a user, job, connection or correlation id) is never a
// secret. A nil *Redactor hides by name and shape only. It is safe for
// concurrent use.
type Redactor struct {
	mu     sync.RWMutex
	pieces map[string]struct{} // every PieceLen window of every long secret
	starts [1 << 10]uint64     // a bit for each window's start (pieceStart): most places are no window's
	short  []string            // secrets of shortestSecret to PieceLen-1 bytes, hidden whole
}

// pieceStart is a 16-bit hash of a window's first four bytes.
func pieceStart(b []byte) uint16 {
	return uint16((uint32(b[0])*31+uint32(b[1]))*31+uint32(b[2]))*31 + uint16(b[3])
}

// NewRedactor returns a redactor that knows no secret yet.
func NewRedactor() *Redactor { return &Redactor{pieces: map[string]struct{}{}} }

// Remember makes r hide secret, and every PieceLen piece of it, from now on.
// Whitespace in it is ignored, as it is in the text searched.
func (r *Redactor) Remember(secret string) {
	if r == nil {
		return
	}
	secret = strings.Map(func(c rune) rune {
		if isBlank(c) {
			return -1
		}
		return c
	}, secret)
	if len(secret) < shortestSecret {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(secret) < PieceLen {
		if !slices.Contains(r.short, secret) && !isIDLike(secret) {
			r.short = append(r.short, secret)
		}
		return
	}
	for i := 0; i+PieceLen <= len(secret); i++ {
		if isUUIDPiece(secret[i : i+PieceLen]) {
			continue // a token may hold the user's id; the id is never a secret
		}
		r.pieces[secret[i:i+PieceLen]] = struct{}{}
		h := pieceStart([]byte(secret[i : i+4]))
		r.starts[h/64] |= 1 << (h % 64)
	}
}

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	v := newView(s)
	spans := shapeSpans(v.text)
	spans = append(spans, r.knownSpans(v)...)
	if len(spans) == 0 {
		return s
	}
	return v.replace(spans)
}

// Bytes is String for a body.
func (r *Redactor) Bytes(b []byte) string { return r.String(string(b)) }

// view is the text the rules read, decoded from what is shown: JSON
// escapes undone (but an escaped quote or backslash kept as two characters,
// so a value's end stays where it is), terminal escape sequences left out.
// Each byte of text knows the bytes of the original it came from.
type view struct {
	orig       string
	text       string
	start, end []int32 // text[i] came from orig[start[i]:end[i]]; nil when text is orig
}

func newView(s string) view {
	if !strings.ContainsAny(s, "\\\x1b") {
		return view{orig: s, text: s}
	}
	var b strings.Builder
	b.Grow(len(s))
	start := make([]int32, 0, len(s))
	end := make([]int32, 0, len(s))
	emit := func(text string, from, to int) {
		b.WriteString(text)
		for range len(text) {
			start = append(start, int32(from))
			end = append(end, int32(to))
		}
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == 0x1b:
			i += escapeLen(s[i:]) // drawn as nothing: the text either side meets
		case c == '\\' && i+1 < len(s):
			decoded, n := unescape(s[i:])
			emit(decoded, i, i+n)
			i += n
		default:
			emit(s[i:i+1], i, i+1)
			i++
		}
	}
	return view{orig: s, text: b.String(), start: start, end: end}
}

// unescape decodes the JSON escape at the start of s, and says how many
// bytes it took. An escaped quote or backslash stays escaped.
func unescape(s string) (string, int) {
	switch s[1] {
	case '"', '\\':
		return s[:2], 2
	case '/':
		return "/", 2
	case 'n', 't', 'r', 'b', 'f':
		// A space, not the character: a line break in the text is then one
		// in what is shown, which no quoted value runs over.
		return " ", 2
	case 'u':
		r, ok := hex4(s[2:])
		if !ok {
			break
		}
		n := 6
		if utf16.IsSurrogate(r) {
			if lo, ok := hex4(strings.TrimPrefix(s[6:], `\u`)); ok && strings.HasPrefix(s[6:], `\u`) {
				if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
					r, n = pair, 12
				}
			}
		}
		switch r {
		case '"':
			return `\"`, n
		case '\\':
			return `\\`, n
		}
		return string(r), n
	}
	return s[:1], 1
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// escapeLen is the length of the terminal escape sequence at the start of
// s: CSI (ESC [ … final), OSC and the other strings (ESC ] … BEL or ESC \),
// or ESC and one more byte. A sequence cut short runs to the end.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		for i := 2; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return len(s)
	case ']', 'P', '_', '^', 'X':
		for i := 2; i < len(s); i++ {
			switch {
			case s[i] == 0x07:
				return i + 1
			case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
				return i + 2
			}
		}
		return len(s)
	}
	return 2
}

// span is a part of a view's text to hide: text[from:to].
type span struct{ from, to int }

// replace is the original with every span's bytes replaced by Redacted.
func (v view) replace(spans []span) string {
	orig := make([]span, 0, len(spans))
	for _, sp := range spans {
		if sp.to <= sp.from {
			continue
		}
		if v.start == nil {
			orig = append(orig, sp)
		} else {
			orig = append(orig, span{int(v.start[sp.from]), int(v.end[sp.to-1])})
		}
	}
	slices.SortFunc(orig, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	b.Grow(len(v.orig))
	at := 0
	for i := 0; i < len(orig); {
		sp := orig[i]
		for i++; i < len(orig) && orig[i].from <= sp.to; i++ {
			sp.to = max(sp.to, orig[i].to)
		}
		if sp.from < at {
			sp.from = at
		}
		b.WriteString(v.orig[at:sp.from])
		b.WriteString(Redacted)
		at = sp.to
	}
	b.WriteString(v.orig[at:])
	return b.String()
}

// knownSpans finds what r remembers, in the text with its whitespace left
// out: a token broken over lines is still the token.
func (r *Redactor) knownSpans(v view) []span {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.pieces) == 0 && len(r.short) == 0 {
		return nil
	}
	dense := make([]byte, 0, len(v.text))
	at := make([]int32, 0, len(v.text)) // dense[i] is v.text[at[i]]
	for i := 0; i < len(v.text); i++ {
		if !isBlank(rune(v.text[i])) {
			dense = append(dense, v.text[i])
			at = append(at, int32(i))
		}
	}
	var spans []span
	for i := 0; i+PieceLen <= len(dense) && len(r.pieces) > 0; i++ {
		if h := pieceStart(dense[i:]); r.starts[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		if _, ok := r.pieces[string(dense[i:i+PieceLen])]; !ok {
			continue
		}
		if n := len(spans); n > 0 && i <= spans[n-1].to {
			spans[n-1].to = i + PieceLen // overlapping windows: one span
			continue
		}
		spans = append(spans, span{i, i + PieceLen})
	}
	if len(r.short) > 0 {
		text := string(dense)
		for _, secret := range r.short {
			for i := 0; ; {
				j := strings.Index(text[i:], secret)
				if j < 0 {
					break
				}
				spans = append(spans, span{i + j, i + j + len(secret)})
				i += j + len(secret)
			}
		}
	}
	out := make([]span, 0, len(spans))
	for _, sp := range spans {
		out = append(out, span{int(at[sp.from]), int(at[sp.to-1]) + 1})
	}
	return out
}

func isBlank(c rune) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// secretNames are the keys whose value is a secret, as JSON, a form, a
// query or a header writes them; lower case.
var secretNames = []string{"access_token", "refresh_token", "id_token", "client_secret", "secret", "password", "passwd",
	"authorization", "proxy-authorization", "api_key", "apikey", "x-api-key", "token", "cookie", "set-cookie"}

// authSchemes start an Authorization value: the credential follows.
var authSchemes = []string{"basic", "bearer", "token", "digest"}

// notASecretIs are values that hold nothing.
var notASecretIs = []string{"", "null", "true", "false"}

// valueEndsAt ends a value that is not quoted.
const valueEndsAt = " \t\r\n\"',;&}])<>\\"

// shapeSpans finds secrets by their name or their shape. It reads the text
// a byte at a time (no regular expressions): a 64 KiB body costs little.
func shapeSpans(text string) []span {
	var spans []span
	lower := asciiLower(text)
	// A name is the word before a ':' or '=' (and a closing quote): one pass
	// over the separators, rarer than the names' letters.
	for i := 0; i < len(text); i++ {
		if c := text[i]; c != ':' && c != '=' {
			continue
		}
		k := i
		for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
			k--
		}
		if k > 0 && text[k-1] == '"' {
			if k--; k > 0 && text[k-1] == '\\' {
				k--
			}
		}
		end := k
		for k > 0 && isNameByte(lower[k-1]) {
			k--
		}
		name := lower[k:end]
		if !slices.Contains(secretNames, name) {
			continue
		}
		if sp, ok := valueSpan(text, lower, skipInline(text, i+1), strings.HasSuffix(name, "authorization")); ok {
			spans = append(spans, sp)
		}
	}
	spans = append(spans, jwtSpans(text)...)
	for i := 0; ; {
		j := strings.Index(text[i:], "whsec_")
		if j < 0 {
			break
		}
		from, to := i+j, runEnd(text, i+j+len("whsec_"), webhookSecret)
		if to > from+len("whsec_") {
			spans = append(spans, span{from, to})
		}
		i = max(to, from+1)
	}
	for _, alphabet := range []*[256]bool{base64Std, base64URL} {
		for i := 0; i < len(text); {
			if !alphabet[text[i]] {
				i++
				continue
			}
			end := runEnd(text, i, alphabet)
			padded := end
			for padded < len(text) && padded-end < 2 && text[padded] == '=' {
				padded++
			}
			if run := text[i:padded]; end-i >= 16 && !isIDLike(text[i:end]) && decodesToCredential(run) {
				spans = append(spans, span{i, padded})
			}
			i = end
		}
	}
	return spans
}

// jwtSpans finds JSON Web Tokens, whole or what is left of them: the header
// and payload start "eyJ" (base64 of `{"`), with or without their dots.
func jwtSpans(text string) []span {
	var spans []span
	for i := 0; ; {
		j := strings.Index(text[i:], "eyJ")
		if j < 0 {
			break
		}
		from := i + j
		to := runEnd(text, from+3, base64URL)
		i = from + 3
		if to-from < 3+4 {
			continue
		}
		for dots := 0; dots < 2 && to < len(text) && text[to] == '.'; dots++ {
			to = runEnd(text, to+1, base64URL)
		}
		if from > 0 && text[from-1] == '.' { // the tail of the header before it
			for from--; from > 0 && base64URL[text[from-1]]; from-- {
			}
		}
		spans = append(spans, span{from, to})
		i = to
	}
	return spans
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				if b[k] >= 'A' && b[k] <= 'Z' {
					b[k] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// The alphabets of base64 (url-safe, standard) and of a webhook secret, as tables.
var base64URL, base64Std, webhookSecret = byteClass("_-"), byteClass("+/"), byteClass("_-+/=")

func byteClass(extra string) *[256]bool {
	var t [256]bool
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + extra {
		t[c] = true
	}
	return &t
}

// isIDLike: hex digits and dashes, as a UUID (or a hex correlation id) is.
func isIDLike(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// isUUIDPiece: hex digits and at least one dash, as every 16 characters
// of a UUID are (its longest run without a dash is 12).
func isUUIDPiece(s string) bool { return isIDLike(s) && strings.Contains(s, "-") }

// runEnd is where the run of bytes in class that starts at i ends.
func runEnd(s string, i int, class *[256]bool) int {
	for i < len(s) && class[s[i]] {
		i++
	}
	return i
}

// skipInline skips spaces and tabs.
func skipInline(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// valueSpan is the value that starts at text[at:]: to its closing quote
// when quoted, else to the first character that ends a value; to the end
// of the text when it is cut. An Authorization value keeps its scheme.
func valueSpan(text, lower string, at int, hasScheme bool) (span, bool) {
	quote := ""
	switch {
	case strings.HasPrefix(text[at:], `\"`):
		quote = `\"`
	case strings.HasPrefix(text[at:], `"`):
		quote = `"`
	}
	from := at + len(quote)
	if hasScheme {
		for _, scheme := range authSchemes {
			if p := from + len(scheme); strings.HasPrefix(lower[from:], scheme) && p < len(text) && (text[p] == ' ' || text[p] == '\t') {
				from = skipInline(text, p)
				break
			}
		}
	}
	to := -1
	switch quote {
	case `"`, `\"`:
		// To the closing quote; a value in a string in a string (\"…\")
		// also ends where the outer string does. Cut short, it ends at a
		// line's end or, on that line, the first blank: the rest is not it.
		for i := from; i < len(text) && to < 0; i++ {
			switch {
			case text[i] == '\\' && i+1 < len(text) && text[i+1] == '"' && quote == `\"`:
				to = i
			case text[i] == '\\':
				i++
			case text[i] == '"', text[i] == '\n':
				to = i
			}
		}
		if to < 0 || text[to] == '\n' {
			if i := strings.IndexAny(text[from:], " \t\r\n"); i >= 0 {
				to = from + i
			}
		}
	default:
		if i := strings.IndexAny(text[from:], valueEndsAt); i >= 0 {
			to = from + i
		}
	}
	if to < 0 {
		to = len(text)
	}
	value := text[from:to]
	if slices.Contains(notASecretIs, strings.ToLower(value)) || strings.HasPrefix(value, "$") || strings.HasPrefix(text[from:], Redacted) {
		return span{}, false // a shell variable stands for the secret; Redacted already is one
	}
	return span{from, to}, true
}

// decodesToCredential reports whether run, or what is left of it after a
// cut at any offset, is base64 of "id:secret" (how an API key is made).
func decodesToCredential(run string) bool {
	run = strings.TrimRight(run, "=")
	for skip := range 4 {
		s := run[min(skip, len(run)):]
		s = s[:len(s)/4*4]
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil && looksLikeCredential(b) {
				return true
			}
		}
	}
	return false
}

// looksLikeCredential: printable, no spaces, and a colon with something
// on each side of it; or, cut before its colon, the start of one whose id
// is a UUID (as a Basiq application's is).
func looksLikeCredential(b []byte) bool {
	colon := -1
	for i, c := range b {
		switch {
		case c <= ' ' || c >= 0x7f:
			return false
		case c == ':' && colon < 0:
			colon = i
		}
	}
	return colon > 0 && colon < len(b)-1 || colon < 0 && len(b) >= 12 && isIDLike(string(b)) && bytes.Contains(b, []byte("-"))
}
