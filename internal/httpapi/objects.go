package httpapi

// ListJSON is one page of a list.
type ListJSON[T any] struct {
	Object  string `json:"object" enum:"list"`
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

func listJSON[T, J any](url string, data []T, hasMore bool, conv func(T) J) ListJSON[J] {
	out := ListJSON[J]{Object: "list", Data: make([]J, 0, len(data)), HasMore: hasMore, URL: url}
	for _, d := range data {
		out.Data = append(out.Data, conv(d))
	}
	return out
}
