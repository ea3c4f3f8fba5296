// Package workflows holds the check of .github/workflows: the hosted-runner
// runs (a real Mac and a real Windows machine) cannot run here, so `make
// test` lints their files with actionlint and checks that every make target
// and Go package they name exists.
package workflows
