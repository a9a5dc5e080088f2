package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestPublishListVersions(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	items := testenv.PowerItems(12)

	v1, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: items}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !v1.Created || v1.Number != 1 || v1.Added != 12 {
		t.Fatalf("v1 = %+v", v1)
	}
	same, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: items}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if same.Created || same.Number != 1 {
		t.Errorf("republishing the same list = %+v, want version 1 unchanged", same)
	}

	next := append([]domain.PowerItem{}, items[1:]...) // remove item 0
	next[0].LegalBasis += "、第六十三条"                     // change item 1
	extra := testenv.PowerItems(13)[12]                // add item 13
	next = append(next, extra)
	v2, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: next, Note: "动态调整"}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Number != 2 || v2.Added != 1 || v2.Changed != 1 || v2.Removed != 1 || v2.Items != 12 {
		t.Errorf("v2 = %+v, want number 2, 1 added, 1 changed, 1 removed, 12 items", v2)
	}
	if n := count(t, s, `SELECT count(*) FROM list_changes WHERE version_id = $1`, v2.VersionID); n != 3 {
		t.Errorf("list_changes = %d, want 3", n)
	}
	if n := count(t, s, `SELECT count(*) FROM flow_nodes fn JOIN power_items p ON p.id = fn.owner_id
		WHERE fn.owner_kind = 'powers' AND p.version_id = $1`, v2.VersionID); n == 0 {
		t.Error("version 2 has no flowchart nodes")
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE entity = 'list_version'`); n != 2 {
		t.Errorf("list change-log entries = %d, want 2", n)
	}
}

func TestPublishServicesAndResponsibilities(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	resp := []domain.ResponsibilityItem{{Code: "ZZ01", Part: "主要职责", Duty: "安全生产综合监督管理", Name: "组织编制安全生产规划"}}
	svc := []domain.ServiceItem{{Code: "GG01", Name: "安全生产举报受理", Unit: "苏州市应急管理局", Flow: domain.StandardFlow("公共服务")}}
	for _, in := range []store.ListInput{
		{Kind: domain.ListResponsibilities, Responsibilities: resp},
		{Kind: domain.ListPublicServices, Services: svc},
	} {
		r, err := s.PublishList(ctx, cli, in, store.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != 1 || r.Added != 1 {
			t.Errorf("%s: %+v", in.Kind, r)
		}
	}
}

// A dry run names every change and writes nothing; a guarded publish that
// removes more than a quarter of the items is refused, one that removes a
// quarter is not.
func TestPublishListDryRunAndRemovalGuard(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	items := testenv.PowerItems(8)
	if _, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: items}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	next := append([]domain.PowerItem{}, items[3:]...) // removes 3 of 8
	next[0].Name += "（调整）"
	next = append(next, testenv.PowerItems(9)[8])
	dry, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: next, DryRun: true}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.ListChange{
		{Code: next[0].Code, Name: next[0].Name, Change: "changed"},
		{Code: "320500CF0009", Name: "测试事项9", Change: "added"},
		{Code: "320500CF0001", Name: "测试事项1", Change: "removed"},
		{Code: "320500CF0002", Name: "测试事项2", Change: "removed"},
		{Code: "320500CF0003", Name: "测试事项3", Change: "removed"},
	}
	if !dry.DryRun || dry.Number != 2 || dry.Added != 1 || dry.Changed != 1 || dry.Removed != 3 || !slices.Equal(dry.Changes, want) {
		t.Errorf("dry run = %+v, want changes %v", dry, want)
	}
	if n := count(t, s, `SELECT count(*) FROM list_versions`); n != 1 {
		t.Errorf("a dry run wrote: %d versions", n)
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE entity = 'list_version'`); n != 1 {
		t.Errorf("a dry run wrote %d change-log entries, want 1", n)
	}

	_, err = s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: next, GuardRemovals: true}, store.WriteOptions{})
	if !errors.Is(err, store.ErrTooManyRemovals) || !strings.Contains(err.Error(), "3 of the 8 items of version 1") {
		t.Fatalf("guarded publish removing 3 of 8: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM list_versions`); n != 1 {
		t.Errorf("a refused publish wrote: %d versions", n)
	}
	quarter := append([]domain.PowerItem{}, items[2:]...) // removes 2 of 8: allowed
	res, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: quarter, GuardRemovals: true}, store.WriteOptions{})
	if err != nil || !res.Created || res.Removed != 2 {
		t.Fatalf("guarded publish removing a quarter: %+v %v", res, err)
	}
	res, err = s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: items[5:]}, store.WriteOptions{})
	if err != nil || res.Removed != 3 || res.Number != 3 {
		t.Fatalf("unguarded publish removing 3 of 6: %+v %v", res, err)
	}
}
