// Command baregin is the benchmark baseline: a bare gin handler that
// returns the bytes of a file with a fixed content type, nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	file := flag.String("body", "", "file whose bytes every response carries")
	ctype := flag.String("type", "application/json; charset=utf-8", "content type")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/*path", func(c *gin.Context) { c.Data(http.StatusOK, *ctype, body) })
	log.Fatal(http.ListenAndServe(*addr, r))
}
