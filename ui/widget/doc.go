// Package widget holds the pieces every screen builds from that are not
// styles: a screen's room (Body), its text fields and the paste into them,
// the spinner beside what is being done, a line spread to a width. Screens
// import it; it imports ui/theme for the styles it draws with, never a
// screen or flow.
package widget
