module github.com/ipc-dev/ipc

go 1.26.0

require (
	github.com/gofrs/flock v0.13.1
	github.com/google/renameio/v2 v2.0.2
	golang.org/x/sys v0.49.0
)

require (
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/mark3labs/mcp-go v1.2.1 // indirect
)
