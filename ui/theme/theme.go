// Package theme holds the one Styles struct every screen draws with: all
// colours live here, chosen for a light or a dark terminal background.
// Nothing on screen needs colour to be understood: every state also has a
// symbol or a word (✓ ✗ ⣾ ·), so NO_COLOR and monochrome terminals lose nothing.
package theme

import (
	"image/color"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// Symbols used across screens, so a state looks the same everywhere.
const (
	SymbolDone    = "✓"
	SymbolFailed  = "✗"
	SymbolPending = "·"
	SymbolCurrent = "◉"
	SymbolPast    = "●"
	SymbolFuture  = "○"
	SymbolWarning = "!"
)

// Styles is the palette and the text styles, built for one background.
type Styles struct {
	IsDark bool

	// Colours, for components that take a color.Color (spinner, progress).
	AccentColor, SuccessColor, ErrorColor, WarningColor, MutedColor, SubtleColor, DimmedColor color.Color

	Product     lipgloss.Style // "basiq-onboard" in the header
	Where       lipgloss.Style // "sandbox", "demo" or the API host
	StepDone    lipgloss.Style // header: steps behind
	StepCurrent lipgloss.Style // header: the step the user is on
	StepFuture  lipgloss.Style // header: steps ahead

	Title     lipgloss.Style // a screen's heading
	Text      lipgloss.Style // body text
	Muted     lipgloss.Style // secondary text, hints
	Label     lipgloss.Style // form labels
	Value     lipgloss.Style // values the user typed or the server returned
	Link      lipgloss.Style // URLs (use .Hyperlink(url) for OSC 8)
	Code      lipgloss.Style // ids, commands, HTTP paths
	Key       lipgloss.Style // a key in the help line ("enter")
	KeyHelp   lipgloss.Style // what the key does ("create")
	Separator lipgloss.Style // " · " between help items

	Success lipgloss.Style // ✓ and good news
	Error   lipgloss.Style // ✗ and errors; negative money
	Warning lipgloss.Style // warnings, "taking longer than usual"
	Spinner lipgloss.Style
	Dimmed  lipgloss.Style // unavailable rows, disabled fields

	TableHeader lipgloss.Style
	TableRow    lipgloss.Style
	Selected    lipgloss.Style // the mark (›) of the row or field under the cursor
	SelectedRow lipgloss.Style // a table row under the cursor: a background, and bold for NO_COLOR
	Rule        lipgloss.Style // horizontal rules

	InputFocused lipgloss.Style // a text field with focus
	InputBlurred lipgloss.Style // a text field without focus
	Box          lipgloss.Style // framed panels (QR code, help overlay)
	// QR draws a QR code's light field light and its modules dark on any
	// background: on a light terminal's own colours it would be inverted,
	// which many phones do not read.
	QR lipgloss.Style
}

// New builds the styles for a dark or a light background, for a terminal
// of 256 colours or more.
func New(isDark bool) *Styles { return NewFor(isDark, colorprofile.TrueColor) }

// NewFor builds the styles for a dark or a light background and the
// terminal's colour profile. With 8 or 16 colours (TERM=xterm) the palette
// is the terminal's own: text in its default colour, muted text faint
// (never blue, nor bright black, which vanish on one background or the
// other), the selection in reverse video.
func NewFor(isDark bool, profile colorprofile.Profile) *Styles {
	if profile == colorprofile.ANSI {
		return ansiStyles(isDark)
	}
	return trueColorStyles(isDark)
}

// palette is what a kind of terminal draws the roles with: the colours,
// and the few styles that differ in more than a colour. styles maps every
// role onto them, once for both kinds.
type palette struct {
	isDark                                bool
	accent, success, errc                 color.Color
	warningColor, mutedColor, subtleColor color.Color
	dimmedColor                           color.Color
	text, muted, subtle, dimmed, warning  lipgloss.Style
	tableHeader, selectedRow, box, qr     lipgloss.Style
}

func trueColorStyles(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#A996FF"))
	success := ld(lipgloss.Color("#1F7A3A"), lipgloss.Color("#5FD68A"))
	errc := ld(lipgloss.Color("#B3261E"), lipgloss.Color("#FF7A73"))
	warning := ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#F2C14E"))
	muted := ld(lipgloss.Color("#6B6B76"), lipgloss.Color("#9A9AA6"))
	// Rules, separators and the progress bar's track: faint, yet 3:1 on
	// their background, so they still show (theme_test checks every pair).
	subtle := ld(lipgloss.Color("#8A8A95"), lipgloss.Color("#6A6A76"))
	// Dimmed text (an unavailable account) is a colour, not the faint
	// attribute, whose result each terminal picks: on a light background it
	// fell well under 3:1.
	dimmed := ld(lipgloss.Color("#80808A"), lipgloss.Color("#777783"))
	text := ld(lipgloss.Color("#1C1B22"), lipgloss.Color("#E6E6EC"))
	// The selected row's background is a colour of the 256-colour palette
	// (189, 236): tmux and most terminals downsample a true colour, and a
	// dark purple came out magenta.
	selection := ld(lipgloss.Color("#D7D7FF"), lipgloss.Color("#303030"))

	s := lipgloss.NewStyle()
	return styles(palette{
		isDark: isDark, accent: accent, success: success, errc: errc,
		warningColor: warning, mutedColor: muted, subtleColor: subtle, dimmedColor: dimmed,
		text: s.Foreground(text), muted: s.Foreground(muted), subtle: s.Foreground(subtle),
		dimmed: s.Foreground(dimmed), warning: s.Foreground(warning),
		tableHeader: s.Bold(true).Foreground(muted),
		selectedRow: s.Bold(true).Foreground(text).Background(selection),
		box:         s.Border(lipgloss.RoundedBorder()).BorderForeground(subtle).Padding(0, 1),
		qr:          s.Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#000000")),
	})
}

// ansiStyles are the styles for 8 or 16 colours: the terminal's own palette,
// whose shades are the user's. Only the colours readable on both kinds of
// background in common palettes are used: red, green and magenta (their
// bright forms on a dark background), yellow on a dark one only; the rest
// is the default colour, bold or faint.
func ansiStyles(isDark bool) *Styles {
	pick := func(light, dark color.Color) color.Color {
		if isDark {
			return dark
		}
		return light
	}
	none := lipgloss.NoColor{}
	s := lipgloss.NewStyle()
	faint := s.Faint(true)
	warning := s.Bold(true) // yellow is unreadable on white
	if isDark {
		warning = s.Foreground(lipgloss.BrightYellow)
	}
	return styles(palette{
		isDark:       isDark,
		accent:       pick(lipgloss.Magenta, lipgloss.BrightMagenta),
		success:      pick(lipgloss.Green, lipgloss.BrightGreen),
		errc:         pick(lipgloss.Red, lipgloss.BrightRed),
		warningColor: warning.GetForeground(), mutedColor: none, subtleColor: none, dimmedColor: none,
		text: s, muted: faint, subtle: faint, dimmed: faint, warning: warning,
		tableHeader: s.Bold(true),
		selectedRow: s.Bold(true).Reverse(true),
		box:         s.Border(lipgloss.RoundedBorder()).Padding(0, 1),
		qr:          s.Foreground(lipgloss.Black).Background(lipgloss.BrightWhite),
	})
}

// styles gives every role its look from p: which roles read as text, as
// muted, in the accent, bold.
func styles(p palette) *Styles {
	s := lipgloss.NewStyle()
	return &Styles{
		IsDark:       p.isDark,
		AccentColor:  p.accent,
		SuccessColor: p.success,
		ErrorColor:   p.errc,
		WarningColor: p.warningColor,
		MutedColor:   p.mutedColor,
		SubtleColor:  p.subtleColor,
		DimmedColor:  p.dimmedColor,

		Product:     s.Bold(true).Foreground(p.accent),
		Where:       p.muted,
		StepDone:    s.Foreground(p.success),
		StepCurrent: s.Bold(true).Foreground(p.accent),
		StepFuture:  p.muted,

		Title:     p.text.Bold(true),
		Text:      p.text,
		Muted:     p.muted,
		Label:     p.muted,
		Value:     p.text,
		Link:      s.Foreground(p.accent).Underline(true),
		Code:      s.Foreground(p.accent),
		Key:       p.text.Bold(true),
		KeyHelp:   p.muted,
		Separator: p.subtle,

		Success: s.Foreground(p.success),
		Error:   s.Foreground(p.errc),
		Warning: p.warning,
		Spinner: s.Foreground(p.accent),
		Dimmed:  p.dimmed,

		TableHeader: p.tableHeader,
		TableRow:    p.text,
		Selected:    s.Bold(true).Foreground(p.accent),
		SelectedRow: p.selectedRow,
		Rule:        p.subtle,

		InputFocused: p.text,
		InputBlurred: p.muted,
		Box:          p.box,
		QR:           p.qr,
	}
}
