package server

import (
	"fmt"
	"net/url"
	"strconv"
)

// The Admin Center's lists (activity, sessions) come a page at a time:
// the pages show a fixed number of rows, the API per_page (default
// apiPerPage, at most maxPerPage). A page past the end is empty, not an
// error, so a link kept from before a list shrank still answers.
const (
	apiPerPage = 50
	maxPerPage = 200
)

// pageRequest is which page of a list to show.
type pageRequest struct {
	page    int // from 1
	perPage int
}

// readPaging reads page and per_page from a query.
func readPaging(q url.Values, defaultPerPage int) (pageRequest, error) {
	p := pageRequest{page: 1, perPage: defaultPerPage}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("page must be a number from 1")
		}
		p.page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return p, fmt.Errorf("per_page must be a number from 1 to %d", maxPerPage)
		}
		p.perPage = n
	}
	return p, nil
}

// pageInfo says where a page stands in its list.
type pageInfo struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
	Pages   int `json:"pages"`
}

// cut returns page p of all (never nil, so JSON shows []) and where it
// stands.
func cut[T any](all []T, p pageRequest) ([]T, pageInfo) {
	info := pageInfo{Page: p.page, PerPage: p.perPage, Total: len(all), Pages: max(1, (len(all)+p.perPage-1)/p.perPage)}
	from := min((p.page-1)*p.perPage, len(all))
	items := all[from:min(from+p.perPage, len(all))]
	if items == nil {
		items = []T{}
	}
	return items, info
}

// pagerLinks are the Previous and Next links of a page ("" where there is
// none); link makes a page number's URL.
func pagerLinks(info pageInfo, link func(page int) string) (prev, next string) {
	if info.Page > 1 {
		prev = link(min(info.Page-1, info.Pages))
	}
	if info.Page < info.Pages {
		next = link(info.Page + 1)
	}
	return prev, next
}
