// Package scripts holds the project's shell scripts. It has no Go code of its own; its tests
// run the scripts with stub tools to check how they handle their arguments and environment.
package scripts
