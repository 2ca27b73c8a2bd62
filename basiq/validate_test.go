package basiq

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidateEmail(t *testing.T) {
	local64 := strings.Repeat("a", 64)
	domain := "." + strings.Repeat("b", 60)
	longest := local64 + "@" + strings.Repeat("c", 254-len(local64)-1-len(domain)) + domain
	for _, tc := range []struct {
		name, email string
		want        error  // nil = accepted
		says        string // part of the message the form shows
	}{
		{"plain", "max@example.com", nil, ""},
		{"254 in all, 64 before the @", longest, nil, ""},
		{"255 in all", "a" + longest, ErrEmailTooLong, "at most 254 characters (this one has 255)"},
		{"a 100 KB paste", strings.Repeat("a", 100<<10) + "@example.com", ErrEmailTooLong, "(this one has 102412)"},
		{"65 before the @", "a" + local64 + "@example.com", ErrEmailLocalTooLong, "at most 64 characters there (this one has 65)"},
		{"C1 control CSI", "max\u009b31m@example.com", ErrEmailHidden, "(found U+009B)"},
		{"escape", "max\x1b]52;c;aGk=\a@example.com", ErrEmailHidden, "(found U+001B)"},
		{"right-to-left override", "max\u202e@example.com", ErrEmailHidden, "(found U+202E)"},
		{"zero-width space", "ma\u200bx@example.com", ErrEmailHidden, "(found U+200B)"},
		{"no domain dot", "max@example", ErrEmailFormat, "the part after the @ has no dot (max@example.com?)"},
		{"a comma for the dot", "max@exmaple,com", ErrEmailFormat, "a comma where a dot belongs? (max@exmaple.com)"},
		{"a space", "max @example.com", ErrEmailFormat, "it has a space"},
		{"no @", "max.example.com", ErrEmailFormat, "it has no @"},
		{"two @", "max@@example.com", ErrEmailFormat, "more than one @"},
		{"nothing after the @", "max@", ErrEmailFormat, "nothing after the @"},
		{"nothing before the @", "@example.com", ErrEmailFormat, "nothing before the @"},
		{"two dots", "max@example..com", ErrEmailFormat, "two dots in a row"},
		{"a trailing dot", "max@example.com.", ErrEmailFormat, "starts or ends with a dot"},
		{"subdomains and a plus", "max+test@mail.example.com.au", nil, ""},
		{"a name too", "Max <max@example.com>", ErrEmailFormat, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateEmail(tc.email)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("message %q does not say %q", err, tc.says)
			}
		})
	}
	if err := (NewUser{Email: "max\u009b@example.com"}).Validate(); !errors.Is(err, ErrEmailHidden) {
		t.Errorf("a new user with a hidden character: %v", err)
	}
}

func TestParseJobRefsRefusesMoreThanARunWatches(t *testing.T) {
	var ids []string
	for i := range MaxJobRefs + 1 {
		ids = append(ids, fmt.Sprintf("a03e4df4-0000-4000-8000-%012d", i))
	}
	if _, err := ParseJobRefs(strings.Join(ids, ",")); err == nil || !strings.Contains(err.Error(), "at most 20") {
		t.Errorf("%d ids: %v", len(ids), err)
	}
	if got, err := ParseJobRefs(strings.Join(ids[:MaxJobRefs], ",")); err != nil || len(got) != MaxJobRefs {
		t.Errorf("%d ids: %v", MaxJobRefs, err)
	}
}
