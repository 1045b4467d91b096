// Command peers runs the peers benchmark of package peers alone: NATS
// JetStream and Redis beside the bare fsync loop, in one temporary
// directory. It prints one JSON object, {"figures": {...}, "notes": [...]},
// on stdout (or a table with --table); progress goes to stderr. The exit
// code is 0 when every scenario that could run finished, 1 when one failed
// or the run hit its time bound, 2 for a bad flag.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ipc-dev/ipc/bench/peers"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a small version of the run (well under 30 s)")
	_ = fs.Bool("json", true, "print one JSON object on stdout (the default)")
	table := fs.Bool("table", false, "print a human table instead of JSON")
	install := fs.Bool("install", false, "install redis-server with apt-get when it is missing")
	parent := fs.String("dir", "", "parent of the temporary directory (default: the system's)")
	only := fs.String("only", "raw,jetstream,redis", "comma-separated scenarios to run")
	consumer := fs.String("consumer", "pull", "JetStream consumer for the e2e figures: pull or push")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *consumer != "pull" && *consumer != "push" {
		fmt.Fprintf(stderr, "peers: --consumer must be pull or push\n")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, failed := peers.Run(ctx, peers.Options{
		Quick:    *quick,
		Dir:      *parent,
		Only:     strings.Split(*only, ","),
		Install:  *install,
		Consumer: *consumer,
		Progress: func(format string, args ...any) {
			fmt.Fprintf(stderr, "peers: "+format+"\n", args...)
		},
	})

	var err error
	if *table {
		err = rep.WriteTable(stdout)
	} else {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "peers: %v\n", err)
		return 1
	}
	if failed {
		return 1
	}
	return 0
}
