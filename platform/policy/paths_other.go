//go:build !windows && !darwin

package policy

// paths are the policy files of this OS, most authoritative first. Linux
// (and other Unix) has one, written by Ansible, Puppet or a package.
func paths() []string { return []string{LinuxFile} }
