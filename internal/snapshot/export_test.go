package snapshot

// SetStepHook makes tests call fn after each step of taking or re-issuing
// a snapshot (see stepHook).
func SetStepHook(fn func(step string)) { stepHook = fn }
