//go:build tools

// Package tools pins netpol-analyzer, the independent oracle of `cargo xtask differential`.
package tools

import _ "github.com/np-guard/netpol-analyzer/cmd/netpolicy"
