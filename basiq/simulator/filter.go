package simulator

import (
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Basiq's filter grammar (basiq-api.md §6–§8): statements joined by commas,
// all of which must hold, each field.operator('value'[,'value']):
//
//	transaction.postDate.bt('2024-01-01','2024-02-01'),account.id.eq('…')

// statement is one parsed filter statement.
type statement struct {
	field, op string
	values    []string
}

// badFilter is Basiq's answer to a filter it cannot read, or a field or
// operator the list does not filter on.
var badFilter = badParameter("Filter value is not valid", "filter")

var fieldAndOperator = regexp.MustCompile(`^([A-Za-z]+(?:\.[A-Za-z]+)*)\.([a-z]+)$`)

// parseFilter reads a ?filter= value; ok is false when it is not in the grammar.
func parseFilter(raw string) (stmts []statement, ok bool) {
	rest := strings.TrimSpace(raw)
	for rest != "" {
		open := strings.IndexByte(rest, '(')
		if open < 0 {
			return nil, false
		}
		m := fieldAndOperator.FindStringSubmatch(strings.TrimSpace(rest[:open]))
		if m == nil {
			return nil, false
		}
		st := statement{field: m[1], op: m[2]}
		rest = strings.TrimSpace(rest[open+1:])
		for { // 'value' [, 'value'] )
			if !strings.HasPrefix(rest, "'") {
				return nil, false
			}
			end := strings.IndexByte(rest[1:], '\'')
			if end < 0 {
				return nil, false
			}
			st.values = append(st.values, rest[1:1+end])
			rest = strings.TrimSpace(rest[end+2:])
			if strings.HasPrefix(rest, ",") {
				rest = strings.TrimSpace(rest[1:])
				continue
			}
			if !strings.HasPrefix(rest, ")") {
				return nil, false
			}
			rest = strings.TrimSpace(rest[1:])
			break
		}
		stmts = append(stmts, st)
		if rest == "" {
			break
		}
		if !strings.HasPrefix(rest, ",") {
			return nil, false
		}
		rest = strings.TrimSpace(rest[1:])
		if rest == "" {
			return nil, false // a trailing comma
		}
	}
	return stmts, true
}

// filterField is one field a list filters on: the operators Basiq documents
// for it, and how to read it from an item.
type filterField[T any] struct {
	ops    []string
	date   bool     // compared by day: '2024-01-31' or an RFC 3339 time
	values []string // the only values the grammar takes (a tier is '1' to '4'); nil: any
	value  func(T) string
	// all reads a field that holds several values, such as a connector's
	// scopes: eq and in hold when one of them is asked for, ne when none is.
	all func(T) []string
}

// filterFields are the fields one list filters on, by name.
type filterFields[T any] map[string]filterField[T]

var (
	equality    = []string{"eq"}
	eqOrNe      = []string{"eq", "ne"}
	eqNeOrIn    = []string{"eq", "ne", "in"}
	comparisons = []string{"eq", "gt", "gteq", "lt", "lteq", "bt"}
)

// arity is how many values an operator takes: between least and most.
func arity(op string) (least, most int) {
	switch op {
	case "bt":
		return 2, 2
	case "in":
		return 1, math.MaxInt
	}
	return 1, 1
}

// read parses a filter for this list: nil and false when the grammar, a
// field, an operator or a value is not one Basiq accepts here.
func (fs filterFields[T]) read(raw string) ([]statement, bool) {
	stmts, ok := parseFilter(raw)
	if !ok {
		return nil, false
	}
	for i, st := range stmts {
		f, known := fs[st.field]
		if !known || !slices.Contains(f.ops, st.op) {
			return nil, false
		}
		if least, most := arity(st.op); len(st.values) < least || len(st.values) > most {
			return nil, false
		}
		for j, v := range st.values {
			if f.values != nil && !slices.Contains(f.values, v) {
				return nil, false
			}
			if f.date {
				d, ok := day(v)
				if !ok {
					return nil, false
				}
				stmts[i].values[j] = d
			}
		}
	}
	return stmts, true
}

// match reports whether item passes every statement (as read by read).
// fromRequest reads r's ?filter=, or answers badFilter and reports false.
func (fs filterFields[T]) fromRequest(s *Server, w http.ResponseWriter, r *http.Request) ([]statement, bool) {
	stmts, ok := fs.read(r.URL.Query().Get("filter"))
	if !ok {
		s.fail(w, badFilter)
	}
	return stmts, ok
}

func (fs filterFields[T]) match(item T, stmts []statement) bool {
	for _, st := range stmts {
		if !fs[st.field].holds(item, st) {
			return false
		}
	}
	return true
}

func (f filterField[T]) holds(item T, st statement) bool {
	if f.all != nil {
		asked := slices.ContainsFunc(f.all(item), func(v string) bool { return slices.Contains(st.values, v) })
		return asked != (st.op == "ne")
	}
	v := f.value(item)
	if f.date {
		v, _ = day(v)
	}
	switch st.op {
	case "eq":
		return v == st.values[0]
	case "ne":
		return v != st.values[0]
	case "in":
		return slices.Contains(st.values, v)
	case "gt":
		return v > st.values[0]
	case "gteq":
		return v >= st.values[0]
	case "lt":
		return v < st.values[0]
	case "lteq":
		return v <= st.values[0]
	case "bt": // inclusive, as Basiq documents
		return v >= st.values[0] && v <= st.values[1]
	}
	return false
}

// day is a date or an RFC 3339 time as the UTC day it falls on, in a form
// that sorts as text.
func day(s string) (string, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.DateOnly), true
	}
	return "", false
}

var accountFilters = filterFields[accountBody]{
	"account.id":     {ops: eqOrNe, value: func(a accountBody) string { return a.ID }},
	"connection.id":  {ops: eqOrNe, value: func(a accountBody) string { return a.Connection }},
	"institution.id": {ops: eqOrNe, value: func(a accountBody) string { return a.Institution }},
}

var transactionFilters = filterFields[transaction]{
	"account.id":            {ops: equality, value: func(t transaction) string { return t.Account }},
	"institution.id":        {ops: equality, value: func(t transaction) string { return t.Institution }},
	"transaction.status":    {ops: equality, value: func(t transaction) string { return t.Status }},
	"transaction.direction": {ops: equality, value: func(t transaction) string { return t.Direction }},
	"transaction.class":     {ops: equality, value: func(t transaction) string { return t.Class }},
	"transaction.postDate":  {ops: comparisons, date: true, value: func(t transaction) string { return t.PostDate }},
}

var jobFilters = filterFields[*job]{
	"connection.id": {ops: equality, value: func(j *job) string { return j.connID }},
}

// connectionFilters are data.json's: "id, status, institution.id".
var connectionFilters = filterFields[map[string]any]{
	"id":             {ops: eqOrNe, value: func(c map[string]any) string { return c["id"].(string) }},
	"status":         {ops: eqOrNe, value: func(c map[string]any) string { return c["status"].(string) }},
	"institution.id": {ops: eqOrNe, value: func(c map[string]any) string { return c["institution"].(ref).ID }},
}
