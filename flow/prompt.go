package flow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/charmbracelet/x/term"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// Prompter asks a person at a terminal one thing at a time, a line each:
// the headless face's way to get what would otherwise be a flag (the key,
// the email) and what no flag can give (a bank's question, asked now).
type Prompter interface {
	// Line asks question and reads the answer as typed, shown as typed.
	Line(ctx context.Context, question string) (string, error)
	// Secret asks question and reads the answer without echoing it.
	Secret(ctx context.Context, question string) (string, error)
}

// TerminalPrompter asks on out (stderr) and reads the terminal in.
type TerminalPrompter struct {
	in  *os.File
	out io.Writer
	mu  sync.Mutex // one question at a time
}

// NewTerminalPrompter asks on out and reads in, which must be a terminal.
func NewTerminalPrompter(in *os.File, out io.Writer) *TerminalPrompter {
	return &TerminalPrompter{in: in, out: out}
}

// Line reads one line as typed. ctx ending (ctrl+c) stops the wait.
func (p *TerminalPrompter) Line(ctx context.Context, question string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.out, question)
	return p.read(ctx, func() (string, error) { return readLine(p.in) }, func() {})
}

// Secret reads one line with echo off, and turns echo back on whatever
// happens, ctrl+c included.
func (p *TerminalPrompter) Secret(ctx context.Context, question string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fd := p.in.Fd()
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	fmt.Fprint(p.out, question)
	answer, err := p.read(ctx, func() (string, error) {
		b, err := term.ReadPassword(fd)
		return string(b), err
	}, func() { _ = term.Restore(fd, state) })
	fmt.Fprintln(p.out) // the enter typed was not echoed either
	return answer, err
}

// read runs readFn until it answers or ctx ends; on ctx's end, restore
// puts the terminal back before the run goes on to its end.
func (p *TerminalPrompter) read(ctx context.Context, readFn func() (string, error), restore func()) (string, error) {
	line, err := untilDone(ctx, readFn)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		restore()
		return "", err
	}
	return strings.TrimSpace(line), err
}

// readLine reads up to a newline a byte at a time: nothing past the line
// is taken from the terminal, so the next question (echo off or not)
// reads what was typed for it.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				return b.String(), nil
			}
			b.WriteByte(one[0])
		}
		if err != nil {
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				return b.String(), nil
			}
			return b.String(), err
		}
	}
}

// ask puts the session's question to the person and brings back the answer.
func ask(ctx context.Context, p Prompter, q qs.Ask) qs.Typed {
	answered := qs.Typed{Kind: q.Kind, JobID: q.JobID}
	switch q.Kind {
	case qs.AskKey:
		key, err := p.Secret(ctx, "API key (from the Basiq dashboard, API Keys; not shown as you type): ")
		answered.Answers, answered.Err = []string{key}, err
	case qs.AskEmail:
		email, err := p.Line(ctx, "The new user's email: ")
		answered.Answers, answered.Err = []string{email}, err
	case qs.AskMFA:
		for _, question := range q.Questions {
			label := text.Safe(question)
			if q.Token {
				label = "The code " + text.Safe(q.Bank) + " sent (" + label + ")"
			}
			label = strings.TrimRight(label, " :")
			if !strings.HasSuffix(label, "?") {
				label += ":"
			}
			answer, err := p.Line(ctx, "  "+label+" ")
			if err != nil {
				answered.Err = err
				return answered
			}
			answered.Answers = append(answered.Answers, answer)
		}
	}
	return answered
}
