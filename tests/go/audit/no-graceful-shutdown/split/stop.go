package split

import "context"

func Stop(ctx context.Context) error { return srv.Shutdown(ctx) }
