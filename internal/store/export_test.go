package store

// ListStatements are the statements one page of a penalty list runs: the
// page, the capped count and the estimate, in that order.
func (pub *Public) PenaltyListStatements(q PenaltyQuery) ([]Statement, error) {
	if q.IncludeWithdrawn {
		return flatten(pub.penaltyChanges(q).statements())
	}
	return flatten(pub.penaltyList(q).statements())
}

// PermitListStatements is PenaltyListStatements for permits.
func (pub *Public) PermitListStatements(q PermitQuery) ([]Statement, error) {
	if q.IncludeWithdrawn {
		return flatten(permitChanges(q).statements())
	}
	return flatten(permitList(q).statements())
}

func flatten(st listStatements, err error) ([]Statement, error) {
	return []Statement{st.Page, st.Count, st.Estimate}, err
}
