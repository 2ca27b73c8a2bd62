// Package cli is basiq-onboard's command line: the command tree (cobra, run
// through charm.land/fang for its help, errors, completion and man page),
// each command's flags, and the exit code. The root command is the
// quickstart (package flow and its faces); `simulator` runs the built-in
// Basiq alone. A command is one file: a constructor that init passes to
// addCommand.
package cli

import (
	"context"
	"errors"
	"image/color"
	"os"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// app is what every command runs with: the process's files and environment,
// and the exit code the command that ran decided.
type app struct {
	stdin          *os.File
	stdout, stderr *os.File
	getenv         func(string) string

	code   int
	isDark bool // the terminal's background, as fang found it for help and errors
}

// commands make the subcommands, in the order their files' init added them.
var commands []func(*app) *cobra.Command

// addCommand adds a subcommand; each command's file calls it from init.
func addCommand(c func(*app) *cobra.Command) { commands = append(commands, c) }

// Main runs the command line args and returns the exit code: 0 done, 1 the
// API or a job failed, 2 bad usage, 129/130/143 a signal (design.md).
func Main(args []string, stdin, stdout, stderr *os.File, getenv func(string) string) int {
	ctx, stop := withSignals()
	defer stop()
	return execute(ctx, args, stdin, stdout, stderr, getenv)
}

// execute is Main under ctx, which a signal (or a test) cancels.
func execute(ctx context.Context, args []string, stdin, stdout, stderr *os.File, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := a.commandTree()
	root.SetArgs(args)
	err := fang.Execute(ctx, root,
		fang.WithVersion(currentVersion()),
		fang.WithColorSchemeFunc(a.colorScheme),
		fang.WithErrorHandler(a.printError),
		fang.WithoutManpage(), // ours: man.go
	)
	switch {
	case err == nil:
		return a.code
	case isUsage(err):
		return qs.ExitUsage
	}
	return qs.ExitFailed
}

// exitsWith is the RunE of a command whose run ends in an exit code (the
// one Main returns) and, for a usage error or a failure fang prints, an
// error.
func (a *app) exitsWith(run func(*cobra.Command) (int, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		code, err := run(cmd)
		a.code = code
		return err
	}
}

// flagsOnly finishes a command of ours that takes flags and no word: its
// flags are listed in the order they are added, and run decides the exit
// code.
func (a *app) flagsOnly(cmd *cobra.Command, run func(*cobra.Command) (int, error)) *cobra.Command {
	cmd.Args = noArgs
	cmd.RunE = a.exitsWith(run)
	cmd.Flags().SortFlags = false
	return cmd
}

// commandTree is the root command with every subcommand, the one help
// command, and the usage rules they share.
func (a *app) commandTree() *cobra.Command {
	root := a.rootCommand()
	root.SuggestionsMinimumDistance = 2
	for _, c := range commands {
		root.AddCommand(c(a))
	}
	root.SetHelpCommand(helpCommand(root))
	root.SetVersionTemplate("basiq-onboard {{.Version}}\n")
	root.Flags().BoolP("version", "v", false, "print the version and exit")
	for _, c := range append([]*cobra.Command{root}, root.Commands()...) {
		if !c.HasSubCommands() || c == root { // a group's own (webhooks) comes when it runs: its line in the list stays short
			c.Flags().BoolP("help", "h", false, "show this help")
		}
	}
	root.SetFlagErrorFunc(flagError)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	// Made now rather than by Execute, to say in a line that fits 80 columns what it is.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Short = "Print the completion script for bash, zsh or fish"
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usageError{cmd.CommandPath(), "no shell " + quote(args[0]) + ": bash, zsh, fish or powershell"}
				}
				return nil
			}
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
	return root
}

// noArgs refuses words where a command takes flags only, naming the word
// (and the command it may be a slip for).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := "unexpected argument " + quote(args[0]) + " (flags start with --)"
	if !cmd.HasParent() {
		msg = "unexpected argument " + quote(args[0]) + ": the commands are " + commandNames(cmd) + ", and flags start with --"
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg = "no command " + quote(args[0]) + "; did you mean " + s[0] + "?"
		}
	}
	return usageError{cmd.CommandPath(), msg}
}

// helpCommand is `help [command]`: the same help as the command's --help,
// and a usage error for a command that does not exist.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Show a command's help",
		Args:  cobra.ArbitraryArgs,
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return matching(names, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				unknown := args[0]
				if len(rest) > 0 {
					unknown = rest[0]
				}
				return usageError{"basiq-onboard", "help: no command " + quote(unknown) + "; the commands are " + commandNames(root)}
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
	}
}

// commandNames lists the commands a user can run, for a message.
func commandNames(root *cobra.Command) string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return joinAnd(names)
}

// colorScheme is fang's help and errors in the program's own palette, for
// the background fang found (which the error handler then uses too).
func (a *app) colorScheme(ld lipgloss.LightDarkFunc) fang.ColorScheme {
	dark := lipgloss.Color("#ffffff")
	a.isDark = ld(lipgloss.Color("#000000"), dark) == dark
	st := theme.New(a.isDark)
	text := st.Text.GetForeground()
	return fang.ColorScheme{
		Base:           text,
		Title:          st.AccentColor,
		Description:    text,
		Codeblock:      noColor,
		Program:        st.AccentColor,
		DimmedArgument: st.MutedColor,
		Comment:        st.MutedColor,
		Flag:           st.SuccessColor,
		FlagDefault:    st.MutedColor,
		Command:        st.AccentColor,
		QuotedString:   st.WarningColor,
		Argument:       text,
		Help:           text,
		Dash:           st.MutedColor,
		ErrorHeader:    [2]color.Color{st.ErrorColor, noColor},
		ErrorDetails:   st.ErrorColor,
	}
}

// noColor leaves the terminal's own colour (fang's code blocks have none,
// so they need no padding above and below).
var noColor color.Color = lipgloss.NoColor{}

// isUsage says whether err is bad usage (exit 2): ours, or one cobra finds
// in the commands it adds itself (completion, __complete).
func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || cobraUsage(err)
}
