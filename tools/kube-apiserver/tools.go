// Package tools keeps k8s.io/kubernetes/cmd/kube-apiserver in this module's build list, so that
// `go mod tidy` keeps every module the server needs and `go build` finds them in go.sum.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver/app"
