package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/maildir"
)

// runDoing: ipc doing TEXT... | ipc doing --clear [--json] — say in one
// line what you are doing, shown beside your name in ipc list and the
// console.
func runDoing(ctx context.Context, c *cli, args []string) error {
	fs := flags("doing")
	clear := fs.Bool("clear", false, "say nothing any more")
	asJSON := fs.Bool("json", false, "print JSON")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	text := strings.Join(words, " ")
	switch {
	case *clear && text != "":
		return usageError("doing: give TEXT or --clear, not both")
	case !*clear && strings.TrimSpace(text) == "":
		return usageError("doing: say what you are doing (ipc doing fixing the parser), or --clear")
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		if err := s.SetDoing(ctx, text); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, map[string]any{"status": "ok", "id": s.ID(), "doing": strings.TrimSpace(text)})
		}
		if *clear {
			fmt.Fprintf(c.stdout, "%s: doing cleared\n", s.ID())
			return nil
		}
		fmt.Fprintf(c.screen(), "%s: doing %s\n", s.ID(), strings.TrimSpace(text))
		return nil
	})
}
