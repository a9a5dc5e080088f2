package store_test

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/migrations"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// migrationVersion is the version of the one migration whose file name
// ends with suffix, so that a test can roll back to just before it
// whatever migrations follow.
func migrationVersion(t *testing.T, suffix string) int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*"+suffix)
	if err != nil || len(names) != 1 {
		t.Fatalf("the migration *%s: %v %v", suffix, names, err)
	}
	v, err := strconv.ParseInt(strings.SplitN(names[0], "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
