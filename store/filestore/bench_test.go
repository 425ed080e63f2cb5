package filestore_test

import (
	"testing"

	"github.com/amazondrs/drs/store/filestore"
	"github.com/amazondrs/drs/store/storetest"
)

// The file store rewrites the whole file on every save, so its benchmarks
// use 10 devices, the scale it is meant for.
const benchDevices = 10

func BenchmarkSave(b *testing.B) {
	s, err := openBench(b)
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchSave(b, s, benchDevices)
}

func BenchmarkLoad(b *testing.B) {
	s, err := openBench(b)
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchLoad(b, s, benchDevices)
}

func openBench(b *testing.B) (*filestore.Store, error) {
	return filestore.Open(b.TempDir() + "/tokens.json")
}
