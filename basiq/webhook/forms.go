package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A body form is the body written another way: what a framework that
// parses and writes JSON again (or a terminal, or an editor) makes of it.
// The diagnosis signs each to find the one that was signed.
type bodyForm struct {
	desc string // for a person: "compact, keys sorted"
	body []byte
}

// maxForms bounds the forms tried, so a capture costs milliseconds.
const maxForms = 600

// maxFormBody is the largest body re-serialised: a webhook's is a few
// hundred bytes; a larger capture gets only its line ends changed.
const maxFormBody = 64 << 10

// jsonValue is a JSON value that keeps its keys' order and its numbers'
// text, which encoding/json's any does not.
type jsonValue struct {
	kind   byte // '{', '[', '"', or 'l' for a number, true, false or null
	keys   []string
	values []*jsonValue // an object's, beside keys, or an array's
	text   string       // a string's value, or a literal as written
}

func parseOrdered(body []byte) (*jsonValue, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("more after the JSON value")
	}
	return v, nil
}

func parseValue(d *json.Decoder) (*jsonValue, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		v := &jsonValue{kind: byte(t)}
		for d.More() {
			if t == '{' {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k.(string))
			}
			item, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			v.values = append(v.values, item)
		}
		_, err := d.Token() // the closing delimiter
		return v, err
	case string:
		return &jsonValue{kind: '"', text: t}, nil
	case json.Number:
		return &jsonValue{kind: 'l', text: t.String()}, nil
	case bool:
		return &jsonValue{kind: 'l', text: strconv.FormatBool(t)}, nil
	default:
		return &jsonValue{kind: 'l', text: "null"}, nil
	}
}

// style is one way of writing JSON.
type style struct {
	indent        string // "" = on one line
	afterColon    string // "" or " "
	afterComma    string // on one line: "" or " "
	sortKeys      bool
	escapeHTML    bool // < > & as \u003c…, as Go's encoding/json
	asciiOnly     bool // non-ASCII as \u escapes, as Python's json.dumps
	floatNumbers  bool // numbers as a float64 writes them, as Go's any and JavaScript do
	topOrder      []int
	topOrderNames string
}

func (s style) describe() string {
	var parts []string
	switch {
	case s.indent != "":
		parts = append(parts, fmt.Sprintf("indented by %d", len(s.indent)))
	case s.afterComma == " ":
		parts = append(parts, `with spaces after ":" and "," (Python's json.dumps)`)
	default:
		parts = append(parts, "compact")
	}
	switch {
	case s.topOrder != nil:
		parts = append(parts, "keys in the order "+s.topOrderNames)
	case s.sortKeys:
		parts = append(parts, "keys sorted")
	}
	if s.escapeHTML {
		parts = append(parts, `< > & written \u003c \u003e \u0026 (Go's encoding/json)`)
	}
	if s.asciiOnly {
		parts = append(parts, `non-ASCII written as \u escapes`)
	}
	if s.floatNumbers {
		parts = append(parts, "numbers rewritten as floating point")
	}
	return strings.Join(parts, ", ")
}

func (s style) write(b *bytes.Buffer, v *jsonValue, depth int, top bool) {
	switch v.kind {
	case '"':
		writeString(b, v.text, s.escapeHTML, s.asciiOnly)
	case 'l':
		b.WriteString(s.number(v.text))
	default:
		closer := byte(']')
		if v.kind == '{' {
			closer = '}'
		}
		b.WriteByte(v.kind)
		if len(v.values) == 0 {
			b.WriteByte(closer)
			return
		}
		order := make([]int, len(v.values))
		for i := range order {
			order[i] = i
		}
		switch {
		case v.kind == '{' && top && s.topOrder != nil:
			order = s.topOrder
		case v.kind == '{' && s.sortKeys:
			slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(v.keys[i], v.keys[j]) })
		}
		for n, i := range order {
			if n > 0 {
				b.WriteByte(',')
				if s.indent == "" {
					b.WriteString(s.afterComma)
				}
			}
			if s.indent != "" {
				b.WriteByte('\n')
				b.WriteString(strings.Repeat(s.indent, depth+1))
			}
			if v.kind == '{' {
				writeString(b, v.keys[i], s.escapeHTML, s.asciiOnly)
				b.WriteByte(':')
				b.WriteString(s.afterColon)
			}
			s.write(b, v.values[i], depth+1, false)
		}
		if s.indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(s.indent, depth))
		}
		b.WriteByte(closer)
	}
}

func (s style) number(text string) string {
	if !s.floatNumbers || text == "true" || text == "false" || text == "null" {
		return text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return text
	}
	out, _ := json.Marshal(f) // the float64 text Go writes; JavaScript's agrees short of 1e21
	return string(out)
}

// writeString writes s as a JSON string: the escapes every encoder makes
// (quote, backslash, control characters), and optionally Go's and Python's.
func writeString(b *bytes.Buffer, s string, escapeHTML, asciiOnly bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20, escapeHTML && (r == '<' || r == '>' || r == '&'), escapeHTML && (r == '\u2028' || r == '\u2029'):
			fmt.Fprintf(b, `\u%04x`, r)
		case asciiOnly && r > 0x7e:
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// bodyForms are the other ways the body could have been written: every
// JSON re-serialisation of the usual encoders (compact or spaced or
// indented, keys as given, sorted or, for a small object, in any order,
// escapes, numbers), and for any body the line ends and a final newline
// changed. The body itself is not among them.
func bodyForms(body []byte) []bodyForm {
	var forms []bodyForm
	seen := map[string]bool{string(body): true}
	add := func(desc string, b []byte) {
		if len(forms) < maxForms && !seen[string(b)] {
			seen[string(b)] = true
			forms = append(forms, bodyForm{desc, b})
		}
	}
	addEnds := func(desc string, b []byte) {
		add(desc, b)
		if trimmed := bytes.TrimRight(b, "\r\n"); len(trimmed) < len(b) {
			add(desc+", without the newline at the end", trimmed)
		} else {
			add(desc+", with a newline at the end", append(slices.Clip(b), '\n'))
		}
	}
	addEnds("as captured", body)
	if bytes.Contains(body, []byte("\r\n")) {
		addEnds("with LF line ends", bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")))
	} else if bytes.Contains(body, []byte("\n")) {
		addEnds("with CRLF line ends", bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")))
	}
	if t := bytes.TrimSpace(body); len(t) < len(body) {
		add("without the spaces around it", t)
	}

	if len(body) > maxFormBody {
		return forms
	}
	v, err := parseOrdered(body)
	if err != nil {
		return forms
	}
	layouts := []style{
		{},                                 // JSON.stringify, Go's encoding/json
		{afterColon: " ", afterComma: " "}, // Python's json.dumps
		{indent: "  ", afterColon: " "},    // JSON.stringify(v, null, 2), Go's MarshalIndent
		{indent: "    ", afterColon: " "},  // Python's indent=4
	}
	write := func(s style) {
		var b bytes.Buffer
		s.write(&b, v, 0, true)
		addEnds(s.describe(), b.Bytes())
	}
	// Every encoder's layouts, key orders, escapes and numbers first ...
	for _, escapes := range []style{{}, {escapeHTML: true}, {asciiOnly: true}} {
		for _, numbers := range []bool{false, true} {
			for _, sorted := range []bool{false, true} {
				for _, layout := range layouts {
					s := layout
					s.sortKeys, s.escapeHTML, s.asciiOnly, s.floatNumbers = sorted, escapes.escapeHTML, escapes.asciiOnly, numbers
					write(s)
				}
			}
		}
	}
	// ... then a small object's keys in every order, on one line: a body a
	// map reordered, whose first order is lost.
	if v.kind == '{' && len(v.keys) >= 2 && len(v.keys) <= 5 {
		for _, p := range permutations(len(v.keys)) {
			names := make([]string, len(p))
			for i, k := range p {
				names[i] = v.keys[k]
			}
			for _, layout := range layouts[:2] {
				s := layout
				s.topOrder, s.topOrderNames = p, strings.Join(names, ", ")
				write(s)
			}
		}
	}
	return forms
}

// permutations of 0..n-1, the identity first.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := len(p); i >= 0; i-- {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

// sameJSON reports whether two bodies parse to the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}
