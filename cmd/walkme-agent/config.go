package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/version"
	"github.com/walkme/session-agent/platform/policy"
)

// loadConfig merges defaults, files and managed policy.
func (g *globals) loadConfig() (*config.Loaded, error) {
	machine, err := policy.Machine()
	if err != nil {
		return nil, err
	}
	layers, err := policy.Read()
	if err != nil {
		return nil, err
	}
	return config.Load(config.Options{File: g.configFile, FileFromEnv: g.configFromEnv, Machine: machine, Policy: layers})
}

func cmdConfig(ctx context.Context, g *globals, args []string) int {
	fs := g.flags("config", "config show")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 || fs.Arg(0) != "show" {
		fs.Usage()
		return exitUsage
	}
	loaded, err := g.loadConfig()
	if err != nil {
		return g.fail(err)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, s := range loaded.Settings {
		src := s.Source.String()
		if s.Locked {
			src += " (locked)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, s.Value, src)
	}
	_ = tw.Flush()
	for _, w := range loaded.Warnings {
		fmt.Fprintf(g.stderr, "warning: %v\n", w)
	}
	return exitOK
}

func cmdVersion(ctx context.Context, g *globals, args []string) int {
	if code, ok := parse(g.flags("version", "version"), args); !ok {
		return code
	}
	fmt.Fprintf(g.stdout, "walkme-agent %s\n", version.String())
	return exitOK
}
