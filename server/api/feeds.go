package api

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// FeedStore is what the credit-center feed needs; *store.CreditFeed
// implements it.
type FeedStore interface {
	// FeedPage streams a page of the change log, masked.
	FeedPage(ctx context.Context, e store.Entity, after int64, limit int, start func(store.FeedPage) error, fn func(*store.FeedEntry) error) error
	// FullFeedPage is FeedPage with full identifiers: only for feed:full.
	FullFeedPage(ctx context.Context, e store.Entity, after int64, limit int, start func(store.FeedPage) error, fn func(*store.FeedEntry) error) error
}

// Page sizes of the feed.
const (
	DefaultFeedLimit = 500
	MaxFeedLimit     = 5000
)

// feedDef is one feed: its entity, dictionary and natural key.
type feedDef struct {
	name   string
	entity store.Entity
	fields []domain.Field
	key    [2]string // codes of the decision number and the issuing agency's credit code
}

var feeds = map[string]feedDef{
	"penalties": {"penalties", store.EntityPenalty, domain.PenaltyFields, [2]string{"CF_WSH", "CF_CFJGDM"}},
	"permits":   {"permits", store.EntityPermit, domain.PermitFields, [2]string{"XK_WSH", "XK_XKJGDM"}},
	"inspection-results": {"inspection-results", store.EntityInspectionResult, domain.InspectionResultExportFields,
		[2]string{"JC_JLBH", "JC_JCZTDM"}},
}

type feedHandlers struct {
	store FeedStore
	log   *slog.Logger
	stall time.Duration // how long a client may stop reading a page
}

// FeedKeys lets the scope feed:full imply feed, for the authentication
// of the feeds' route group.
func FeedKeys(auth httpx.Authenticator) httpx.Authenticator { return feedKeys{auth} }

type feedKeys struct{ httpx.Authenticator }

func (k feedKeys) Authenticate(ctx context.Context, secret string) (store.APIKey, error) {
	key, err := k.Authenticator.Authenticate(ctx, secret)
	if err == nil && slices.Contains(key.Scopes, store.ScopeFeedFull) && !slices.Contains(key.Scopes, store.ScopeFeed) {
		key.Scopes = append(slices.Clone(key.Scopes), store.ScopeFeed)
	}
	return key, err
}

// AnonymousFeeds lets requests without an Authorization header through
// to the feeds unauthenticated: the masked feed is public data, read
// under the client IP's rate limit like the other reads. A request that
// bears credentials passes through auth (RequireScope with the feed
// scope), so a bad or revoked key is still refused rather than silently
// read as anonymous, and only a key with feed:full reads unmasked.
func AnonymousFeeds(auth gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			c.Next()
			return
		}
		auth(c)
	}
}

// A cursor is opaque to consumers: base64url of "gs1:<entity>:<seq>". It
// names its entity, so a permits cursor cannot silently skip penalties.
const cursorPrefix = "gs1:"

func encodeCursor(e store.Entity, seq int64) string { return string(appendCursor(nil, e, seq)) }

// appendCursor appends the cursor of seq to b.
func appendCursor(b []byte, e store.Entity, seq int64) []byte {
	var raw [64]byte
	r := append(append(append(raw[:0], cursorPrefix...), e...), ':')
	return base64.RawURLEncoding.AppendEncode(b, strconv.AppendInt(r, seq, 10))
}

func decodeCursor(e store.Entity, s string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix+string(e)+":")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || seq < 0 || strconv.FormatInt(seq, 10) != rest {
		return 0, false
	}
	return seq, true
}

// page handles GET /api/v1/feeds/{penalties|permits}?after=&limit=.
func (h feedHandlers) page(c *gin.Context) error {
	def, ok := feeds[c.Param("feed")]
	if !ok {
		return httpx.NotFound("no such feed; want penalties, permits or inspection-results")
	}
	p := httpx.QueryParams(c, "after", "limit")
	var after int64
	afterParam := p.Str("after")
	if afterParam != "" {
		if after, ok = decodeCursor(def.entity, afterParam); !ok {
			p.Fail("after", "not a cursor of the "+def.name+" feed; pass the next_cursor of a previous page, or nothing to start")
		}
	}
	limit := p.IntIn("limit", DefaultFeedLimit, 1, MaxFeedLimit)
	if err := p.Err(); err != nil {
		return err
	}
	full := httpx.APIKey(c).Has(store.ScopeFeedFull)
	read := h.store.FeedPage
	if full {
		read = h.store.FullFeedPage
	}

	ctx := c.Request.Context()
	keys := export.ObjectKeys(def.key[:])
	recordKeys := export.ObjectKeys(export.HeadersStandard.Names(def.fields))
	var out *stream
	var b []byte
	var n int
	err := read(ctx, def.entity, after, limit, func(pg store.FeedPage) error {
		next := encodeCursor(def.entity, pg.Last)
		c.Header("Cache-Control", cacheNone)
		c.Header("Content-Type", "application/json; charset=utf-8")
		c.Header("Vary", "Accept-Encoding, Authorization")
		if pg.More {
			c.Header("Link", "</api/v1/feeds/"+def.name+"?after="+next+"&limit="+strconv.Itoa(limit)+`>; rel="next"`)
		}
		gzipped := acceptsGzip(c.Request)
		if gzipped {
			c.Header("Content-Encoding", "gzip")
		}
		c.Status(http.StatusOK)
		out = newStream(c, gzipped, h.stall)
		b = append(b[:0], `{"feed":`...)
		b = export.AppendString(b, def.name)
		b = append(b, `,"masked":`...)
		b = strconv.AppendBool(b, !full)
		b = append(b, `,"after":`...)
		b = export.AppendString(b, afterParam)
		b = append(b, `,"next_cursor":`...)
		b = export.AppendString(b, next)
		b = append(b, `,"has_more":`...)
		b = strconv.AppendBool(b, pg.More)
		b = append(b, `,"changes":[`...)
		_, err := out.Write(b)
		return err
	}, func(e *store.FeedEntry) error {
		b = b[:0]
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = appendFeedEntry(b, def, keys, recordKeys, e)
		_, err := out.Write(b)
		return err
	})
	if err == nil {
		if _, err = out.Write([]byte("]}\n")); err == nil {
			err = out.Close()
		}
	}
	if err == nil {
		return nil
	}
	if !c.Writer.Written() {
		clearEntityHeaders(c)
		return err // nothing sent yet: an ordinary error response
	}
	if ctx.Err() == nil {
		h.log.ErrorContext(ctx, "feed page failed mid-stream", "feed", def.name, "after", after, "err", err)
	}
	abortResponse(c)
	return nil
}

// appendFeedEntry appends one entry:
//
//	{"seq":12,"cursor":"…","op":"upsert","id":3,"at":"…","key":{"CF_WSH":"…","CF_CFJGDM":"…"},"record":{"CF_WSH":"…",…}}
//	{"seq":13,"cursor":"…","op":"withdraw","id":3,"at":"…","reason":"revoked","note":"…","key":{…}}
func appendFeedEntry(b []byte, def feedDef, keys, recordKeys [][]byte, e *store.FeedEntry) []byte {
	b = append(b, "\n"+`{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"cursor":"`...)
	b = appendCursor(b, def.entity, e.Seq)
	b = append(b, `","op":"`...)
	b = append(b, e.Op...)
	b = append(b, `","id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"at":"`...)
	b = e.At.In(domain.China).AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if e.Op == store.OpWithdraw {
		b = append(b, `,"reason":`...)
		b = export.AppendString(b, string(e.Reason))
		b = append(b, `,"note":`...)
		b = export.AppendString(b, e.Note)
	}
	b = append(b, `,"key":`...)
	b = export.AppendObject(b, keys, []string{e.DecisionNo, e.AgencyCode})
	if e.Values != nil {
		b = append(b, `,"record":`...)
		b = export.AppendObject(b, recordKeys, e.Values)
	}
	return append(b, '}')
}
