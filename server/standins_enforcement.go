package server

import (
	"context"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The enforcement records' methods of the unconfigured stand-in.

func (u unconfigured) EnforcementBodies(context.Context, store.BodyQuery) ([]store.PublishedBody, error) {
	return nil, u.err()
}

func (u unconfigured) EnforcementBody(context.Context, string) (store.PublishedBody, error) {
	return store.PublishedBody{}, u.err()
}

func (u unconfigured) Officers(context.Context, store.OfficerQuery) (store.Page[store.PublishedOfficer], error) {
	return store.Page[store.PublishedOfficer]{}, u.err()
}

func (u unconfigured) VerifyOfficer(context.Context, string) (domain.OfficerCheck, error) {
	return domain.OfficerCheck{}, u.err()
}

func (u unconfigured) RegisterVersions(context.Context, store.Register) ([]store.RegisterVersion, error) {
	return nil, u.err()
}

func (u unconfigured) RegisterChanges(context.Context, store.Register, int) (store.RegisterVersion, []store.RegisterChange, error) {
	return store.RegisterVersion{}, nil, u.err()
}

func (u unconfigured) InspectionItems(context.Context, int) (store.RegisterVersion, []domain.InspectionItem, error) {
	return store.RegisterVersion{}, nil, u.err()
}

func (u unconfigured) InspectionTasks(context.Context, store.TaskQuery) (store.Page[store.PublishedTask], error) {
	return store.Page[store.PublishedTask]{}, u.err()
}

func (u unconfigured) InspectionTask(context.Context, int64) (store.PublishedTask, error) {
	return store.PublishedTask{}, u.err()
}

func (u unconfigured) InspectionResults(context.Context, store.InspectionResultQuery) (store.Page[store.PublishedInspectionResult], error) {
	return store.Page[store.PublishedInspectionResult]{}, u.err()
}

func (u unconfigured) InspectionResult(context.Context, int64) (store.PublishedInspectionResult, error) {
	return store.PublishedInspectionResult{}, u.err()
}

func (u unconfigured) PlanProgress(context.Context, store.PlanQuery) ([]store.PlanProgress, error) {
	return nil, u.err()
}

func (u unconfigured) CriminalReferrals(context.Context, store.ReferralQuery) ([]store.PublishedReferral, error) {
	return nil, u.err()
}

func (u unconfigured) EnforcementDatasetState(context.Context, string) (store.DatasetState, error) {
	return store.DatasetState{}, u.err()
}

func (u unconfigured) ExportEnforcementDataset(context.Context, string, func(store.DatasetState) error, func([]string) error) error {
	return u.err()
}

func (u unconfigured) UpsertEnforcementBodies(context.Context, store.Actor, []domain.EnforcementBody, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) UpsertOfficers(context.Context, store.Actor, []domain.Officer, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) PublishInspectionItems(context.Context, store.Actor, store.InspectionItemsInput, store.WriteOptions) (store.PublishResult, error) {
	return store.PublishResult{}, u.err()
}

func (u unconfigured) UpsertInspectionTasks(context.Context, store.Actor, []domain.InspectionTask, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) UpsertInspectionResults(context.Context, store.Actor, []domain.InspectionResult, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) WithdrawInspectionResult(context.Context, store.Actor, int64, domain.WithdrawReason, string) error {
	return u.err()
}

func (u unconfigured) UpsertEnforcementPlans(context.Context, store.Actor, []domain.EnforcementPlan, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) UpsertCriminalReferrals(context.Context, store.Actor, []domain.CriminalReferral, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}
