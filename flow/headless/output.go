package headless

import (
	"encoding/json"
	"fmt"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// ValueLimit is how much of one string value --json and --events keep
// whole: a longer one keeps its start and says how long it was, so a
// server's megabytes of a name cannot fill a disk or a pipe.
const ValueLimit = 64 << 10

// cutLongStrings is a JSON document (as json.Marshal writes it) with every
// string over ValueLimit bytes cut to its first ValueLimit bytes and a
// marker of its whole length.
func cutLongStrings(doc []byte) []byte {
	var out []byte // nil until something is cut
	copied := 0
	for i := 0; i < len(doc); i++ {
		if doc[i] != '"' {
			continue
		}
		end := i + 1
		for end < len(doc) && doc[end] != '"' {
			if doc[end] == '\\' {
				end++
			}
			end++
		}
		if end-i-1 > ValueLimit {
			var s string
			if json.Unmarshal(doc[i:min(end+1, len(doc))], &s) == nil && len(s) > ValueLimit {
				cut, _ := json.Marshal(CutValue(s))
				out = append(append(out, doc[copied:i]...), cut...)
				copied = end + 1
			}
		}
		i = end
	}
	if out == nil {
		return doc
	}
	return append(out, doc[min(copied, len(doc)):]...)
}

// CutValue is s as --json and --events keep it: whole up to ValueLimit
// bytes, else its start and how long it was.
func CutValue(s string) string {
	if len(s) <= ValueLimit {
		return s
	}
	return basiq.CutBytes(s, ValueLimit) + fmt.Sprintf("… (cut: %d bytes in all, the first %d kept)", len(s), ValueLimit)
}

// outputJSON is v as a face writes it: JSON (indented or not), long
// strings cut, and secrets hidden unless keepSecrets (the --events line of
// the consent link, whose token the person needs).
func outputJSON(v any, indent bool, r *basiq.Redactor, keepSecrets bool) ([]byte, error) {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return nil, err
	}
	b = cutLongStrings(b)
	if keepSecrets {
		return b, nil
	}
	return []byte(r.String(string(b))), nil
}
