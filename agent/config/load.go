package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
)

// Options says where Load looks.
type Options struct {
	// File is the file named by --config or $WALKME_AGENT_CONFIG. It takes
	// the place of the user file and must exist.
	File string
	// FileFromEnv says File came from $WALKME_AGENT_CONFIG (for messages).
	FileFromEnv bool
	// Machine are machine configuration layers that live outside files
	// (on Windows the registry key the MSI writes: platform/policy.Machine),
	// below the machine file: the file is what IT writes on this machine
	// afterwards, so it is the later and more deliberate choice.
	Machine []Layer
	// MachineFile is the machine-wide file; "" means the OS default
	// (DefaultMachineFile). A missing machine file is fine.
	MachineFile string
	// UserFile is the user's file; "" means the OS default (DefaultUserFile).
	// A missing user file is fine.
	UserFile string
	// Policy are the managed policy layers, most authoritative first (the
	// machine's before the user's): for each key the first layer that sets
	// it wins. Policy beats every file, and its values are locked.
	Policy []Layer
}

// Loaded is a merged configuration and where each value came from.
type Loaded struct {
	Config   Config
	Settings []Setting // every key, in Keys order
	Warnings []error   // non-fatal: ignored values, unknown policy keys
}

// Source says where the effective value of key came from.
func (l *Loaded) Source(key string) Source {
	for _, s := range l.Settings {
		if s.Key == key {
			return s.Source
		}
	}
	return Source{}
}

// Load merges defaults < Options.Machine < machine file < user file (or
// Options.File) < managed policy, checks every value and
// validates the result.
//
// Any error — a file that does not parse, an unknown key, a value of the
// wrong type, a merged value that fails Validate — makes Load fail, with
// every problem joined into one error naming each key and source (see
// Error). A running agent that reloads keeps its last good configuration
// when Load fails, and reports the error.
func Load(opts Options) (*Loaded, error) {
	layers, errs := fileLayers(opts)
	var warns []error
	var decs []decoded
	for _, l := range append(layers, reversed(opts.Policy)...) {
		d, e, w := decode(l)
		decs = append(decs, d)
		errs = append(errs, e...)
		warns = append(warns, w...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	loaded, shadowed := merge(decs)
	loaded.Warnings = append(warns, shadowed...)
	if err := loaded.Config.Validate(); err != nil {
		return nil, attribute(err, loaded.Settings)
	}
	return loaded, nil
}

// fileLayers returns Options.Machine, then the machine file and the user
// file (or Options.File).
func fileLayers(opts Options) ([]Layer, []error) {
	layers := slices.Clone(opts.Machine)
	var errs []error
	machine := opts.MachineFile
	if machine == "" {
		machine = DefaultMachineFile()
	}
	layers, errs = readOptional(layers, errs, Source{Kind: KindMachine, Path: machine})
	user := Source{Kind: KindUser, Path: opts.UserFile}
	switch {
	case opts.File != "" && opts.FileFromEnv:
		user = Source{Kind: KindEnv, Path: opts.File}
	case opts.File != "":
		user = Source{Kind: KindFile, Path: opts.File}
	case user.Path == "":
		p, err := DefaultUserFile()
		if err != nil {
			// No home directory (a system account): there is no user file.
			return layers, errs
		}
		user.Path = p
	}
	return readOptional(layers, errs, user)
}

// readOptional appends the layer of the file src names to layers, or its
// error to errs. A missing machine or user file is no layer and no error;
// a missing --config file is an error.
func readOptional(layers []Layer, errs []error, src Source) ([]Layer, []error) {
	l, err := ReadFile(src)
	optional := src.Kind == KindMachine || src.Kind == KindUser
	switch {
	case err == nil:
		layers = append(layers, l)
	case optional && errors.Is(err, fs.ErrNotExist):
	default:
		errs = append(errs, err)
	}
	return layers, errs
}

// reversed returns the policy layers least authoritative first, so that
// merging in order lets the most authoritative one win.
func reversed(policy []Layer) []Layer {
	out := make([]Layer, len(policy))
	for i, l := range policy {
		out[len(policy)-1-i] = l
	}
	return out
}

// merge applies the layers in order, lowest precedence first. It warns
// about each value that a later layer overrides with a locked policy value,
// since the admin's choice silently beating the user's would be confusing.
func merge(decs []decoded) (*Loaded, []error) {
	cfg := Default()
	src := map[string]Source{}
	var warns []error
	for _, d := range decs {
		for _, key := range Keys() {
			v, ok := d.values[key]
			if !ok {
				continue
			}
			f, _, _ := field(&cfg, key)
			old := display(f.Interface())
			if prev, set := src[key]; set && d.src.Kind == KindPolicy && old != display(v) {
				warns = append(warns, errorf(prev, key, "%q is ignored: %s sets %q and locks it", old, d.src, display(v)))
			}
			f.Set(reflect.ValueOf(v))
			src[key] = d.src
		}
	}
	loaded := &Loaded{Config: cfg}
	for _, key := range Keys() {
		f, _, _ := field(&cfg, key)
		s := src[key]
		if s.Kind == "" {
			s.Kind = KindDefault
		}
		loaded.Settings = append(loaded.Settings, Setting{
			Key: key, Value: display(f.Interface()), Source: s, Locked: s.Kind == KindPolicy,
		})
	}
	return loaded, warns
}

// attribute fills in the source of each validation error from the settings.
func attribute(err error, settings []Setting) error {
	var errs []error
	for _, e := range unjoin(err) {
		var ce *Error
		if errors.As(e, &ce) && ce.Source.Kind == "" {
			for _, s := range settings {
				if s.Key == ce.Key {
					e = &Error{Source: s.Source, Key: ce.Key, Err: ce.Err}
				}
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// DefaultUserFile is the user's config file: walkme-agent/config.json under
// os.UserConfigDir (~/.config on Linux, ~/Library/Application Support on
// macOS, %AppData% on Windows).
func DefaultUserFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: user file: %w", err)
	}
	return filepath.Join(dir, "walkme-agent", "config.json"), nil
}
