package store

import "context"

// ListStatements are the statements one page of a penalty list runs: the
// page, the capped count and the estimate, in that order.
func (pub *Public) PenaltyListStatements(ctx context.Context, q PenaltyQuery) ([]Statement, error) {
	if q.IncludeWithdrawn {
		return flatten(pub.penaltyChanges(q).statements())
	}
	l, err := pub.penaltyList(ctx, q)
	if err != nil {
		return nil, err
	}
	return flatten(l.statements())
}

// PermitListStatements is PenaltyListStatements for permits.
func (pub *Public) PermitListStatements(ctx context.Context, q PermitQuery) ([]Statement, error) {
	if q.IncludeWithdrawn {
		return flatten(permitChanges(q).statements())
	}
	l, err := pub.permitList(ctx, q)
	if err != nil {
		return nil, err
	}
	return flatten(l.statements())
}

func flatten(st listStatements, err error) ([]Statement, error) {
	return []Statement{st.Page, st.Count, st.Estimate}, err
}
