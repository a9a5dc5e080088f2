package bulkload_test

import (
	"testing"

	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
