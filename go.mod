module github.com/amazondrs/drs

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)
