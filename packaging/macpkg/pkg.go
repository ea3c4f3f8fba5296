package macpkg

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// Package describes a flat package with one component.
type Package struct {
	Identifier      string // com.walkme.agent.pkg
	Version         string
	Title           string
	InstallLocation string            // usually "/"
	Payload         *Tree             // relative to InstallLocation
	Scripts         map[string][]byte // "postinstall" etc., run as root
	MTime           time.Time
	// HostArchitectures lists the CPUs it installs on ("arm64,x86_64").
	HostArchitectures string
}

// componentName is the component package directory inside the xar.
func (p *Package) componentName() string { return p.Identifier }

// Write writes the .pkg (a xar archive) to w.
func (p *Package) Write(w io.Writer) error {
	payload, err := GzipCpio(p.Payload)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	bom, err := WriteBOM(p.Payload)
	if err != nil {
		return fmt.Errorf("bom: %w", err)
	}
	var scriptFiles []Entry
	for name, data := range p.Scripts { // NewTree sorts them
		scriptFiles = append(scriptFiles, Entry{Path: name, Mode: 0o755, Data: data})
	}
	scriptTree, err := NewTree(scriptFiles, nil, p.MTime)
	if err != nil {
		return err
	}
	scripts, err := GzipCpio(scriptTree)
	if err != nil {
		return fmt.Errorf("scripts: %w", err)
	}
	info, err := p.packageInfo()
	if err != nil {
		return err
	}
	dist, err := p.distribution()
	if err != nil {
		return err
	}
	c := p.componentName()
	files := []XarFile{
		{Name: "Distribution", Data: dist, Mode: 0o644},
		{Name: c + "/PackageInfo", Data: info, Mode: 0o644},
		{Name: c + "/Bom", Data: bom, Mode: 0o644},
		{Name: c + "/Payload", Data: payload, Mode: 0o644},
	}
	if len(p.Scripts) > 0 {
		files = append(files, XarFile{Name: c + "/Scripts", Data: scripts, Mode: 0o644})
	}
	return WriteXar(w, files, p.MTime)
}

// installKBytes is the payload's size in KiB, rounded up.
func (p *Package) installKBytes() int64 { return (p.Payload.Size() + 1023) / 1024 }

// PackageInfo describes the component to Installer.
type PackageInfo struct {
	XMLName         xml.Name `xml:"pkg-info"`
	FormatVersion   int      `xml:"format-version,attr"`
	Identifier      string   `xml:"identifier,attr"`
	Version         string   `xml:"version,attr"`
	InstallLocation string   `xml:"install-location,attr"`
	Auth            string   `xml:"auth,attr"`
	Overwrite       string   `xml:"overwrite-permissions,attr"`
	Relocatable     string   `xml:"relocatable,attr"`
	Payload         struct {
		NumberOfFiles int   `xml:"numberOfFiles,attr"`
		InstallKBytes int64 `xml:"installKBytes,attr"`
	} `xml:"payload"`
	Scripts struct {
		Preinstall  *ScriptRef `xml:"preinstall,omitempty"`
		Postinstall *ScriptRef `xml:"postinstall,omitempty"`
	} `xml:"scripts"`
}

// ScriptRef names a script in the Scripts archive.
type ScriptRef struct {
	File string `xml:"file,attr"`
}

func (p *Package) packageInfo() ([]byte, error) {
	pi := PackageInfo{FormatVersion: 2, Identifier: p.Identifier, Version: p.Version,
		InstallLocation: p.InstallLocation, Auth: "root", Overwrite: "true", Relocatable: "false"}
	pi.Payload.NumberOfFiles = len(p.Payload.Entries)
	pi.Payload.InstallKBytes = p.installKBytes()
	if _, ok := p.Scripts["preinstall"]; ok {
		pi.Scripts.Preinstall = &ScriptRef{"./preinstall"}
	}
	if _, ok := p.Scripts["postinstall"]; ok {
		pi.Scripts.Postinstall = &ScriptRef{"./postinstall"}
	}
	return marshalXML(pi)
}

func (p *Package) distribution() ([]byte, error) {
	type line struct {
		Choice string `xml:"choice,attr"`
		Lines  []line `xml:"line"`
	}
	type pkgRef struct {
		ID            string `xml:"id,attr"`
		Version       string `xml:"version,attr,omitempty"`
		InstallKBytes int64  `xml:"installKBytes,attr,omitempty"`
		OnConclusion  string `xml:"onConclusion,attr,omitempty"`
		Ref           string `xml:",chardata"`
	}
	type choice struct {
		ID      string   `xml:"id,attr"`
		Visible string   `xml:"visible,attr,omitempty"`
		Title   string   `xml:"title,attr,omitempty"`
		PkgRefs []pkgRef `xml:"pkg-ref"`
	}
	d := struct {
		XMLName xml.Name `xml:"installer-gui-script"`
		MinSpec string   `xml:"minSpecVersion,attr"`
		Title   string   `xml:"title"`
		Options struct {
			Customize         string `xml:"customize,attr"`
			RequireScripts    string `xml:"require-scripts,attr"`
			HostArchitectures string `xml:"hostArchitectures,attr,omitempty"`
		} `xml:"options"`
		Domains struct {
			LocalSystem string `xml:"enable_localSystem,attr"`
		} `xml:"domains"`
		Outline struct {
			Lines []line `xml:"line"`
		} `xml:"choices-outline"`
		Choices []choice `xml:"choice"`
		PkgRefs []pkgRef `xml:"pkg-ref"`
	}{MinSpec: "2", Title: p.Title}
	d.Options.Customize = "never"
	d.Options.RequireScripts = "false"
	d.Options.HostArchitectures = p.HostArchitectures
	d.Domains.LocalSystem = "true"
	d.Outline.Lines = []line{{Choice: "default", Lines: []line{{Choice: p.Identifier}}}}
	d.Choices = []choice{{ID: "default", Title: p.Title},
		{ID: p.Identifier, Visible: "false", PkgRefs: []pkgRef{{ID: p.Identifier}}}}
	d.PkgRefs = []pkgRef{{ID: p.Identifier, Version: p.Version, InstallKBytes: p.installKBytes(),
		OnConclusion: "none", Ref: "#" + p.componentName()}}
	return marshalXML(d)
}

func marshalXML(v any) ([]byte, error) {
	b, err := xml.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
