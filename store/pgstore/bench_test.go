package pgstore_test

import (
	"testing"

	"github.com/amazondrs/drs/store/storetest"
)

func BenchmarkSave(b *testing.B) {
	storetest.BenchSave(b, open(b, newSchema(b)), 1000)
}

func BenchmarkSaveParallel(b *testing.B) {
	storetest.BenchSaveParallel(b, open(b, newSchema(b)), 1000)
}

func BenchmarkLoad(b *testing.B) {
	storetest.BenchLoad(b, open(b, newSchema(b)), 1000)
}

func BenchmarkFleet10k(b *testing.B) {
	storetest.BenchFleet(b, open(b, newSchema(b)), 10000)
}
