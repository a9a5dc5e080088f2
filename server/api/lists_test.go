package api

import (
	"encoding/json"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// Every list of domain.ListKindTable is read and published by the API,
// and a published list's items land in its own field of the input.
func TestEveryListHasItsReaderAndDecoder(t *testing.T) {
	for _, k := range domain.ListKinds {
		if listReaders[k] == nil || listDecoders[k] == nil {
			t.Errorf("%s: reader %v, decoder %v", k, listReaders[k] != nil, listDecoders[k] != nil)
		}
	}
	if len(listReaders) != len(domain.ListKinds) || len(listDecoders) != len(domain.ListKinds) {
		t.Errorf("%d readers and %d decoders for %d lists", len(listReaders), len(listDecoders), len(domain.ListKinds))
	}
	raw := json.RawMessage(`[{"code":"ZR001","part":"主要职责","duty":"综合监管","name":"编制规划"}]`)
	var in store.ListInput
	errs, err := listDecoders[domain.ListResponsibilities](raw, &in)
	if err != nil || len(errs) != 0 || len(in.Responsibilities) != 1 || in.Powers != nil || in.Services != nil {
		t.Errorf("decoded %+v: %v %v", in, errs, err)
	}
	if errs, err := listDecoders[domain.ListPowers](json.RawMessage(`[{"code":"x"}]`), &in); err != nil || len(errs) == 0 {
		t.Errorf("an invalid power item: %v %v", errs, err)
	}
	// An unknown field, a power item's field in another list, a value of
	// the wrong type: each a field error of its item (422), not a 400.
	errs, err = listDecoders[domain.ListPowers](json.RawMessage(`[{"colour":"red"}]`), &in)
	if err != nil || len(errs) != 1 || errs[0].Field != "colour" || errs[0].Code != domain.CodeUnknown {
		t.Errorf("an unknown field: %+v %v", errs, err)
	}
	errs, err = listDecoders[domain.ListResponsibilities](json.RawMessage(`[{"code":"ZR001"},{"code":"ZR002","category":"行政处罚"},{"code":7}]`), &in)
	if err != nil || len(errs) != 2 || errs[0].Index != 1 || errs[0].Field != "category" || errs[1].Index != 2 || errs[1].Field != "code" {
		t.Errorf("items of another kind: %+v %v", errs, err)
	}
	if _, err := listDecoders[domain.ListPowers](json.RawMessage(`{"code":"x"}`), &in); err == nil {
		t.Error("items that are not an array are accepted")
	}
}
