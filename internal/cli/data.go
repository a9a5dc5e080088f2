package cli

import "context"

func runImport(ctx context.Context, e *env, args []string) error { return usagef("not yet wired") }

func runDemo(ctx context.Context, e *env, args []string) error { return usagef("not yet wired") }
