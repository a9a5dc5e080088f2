package server

import "github.com/gin-gonic/gin"

// FeedStore is what the credit-center feed needs.
type FeedStore interface{}

// registerFeeds adds the credit-center change feeds.
func registerFeeds(api *gin.RouterGroup, d Deps) {}
