/* Sorted lists of flagged folio addresses (model in include/palist.h). */
#include <palist.h>

static void sift_down(uint64_t *a, uint64_t root, uint64_t n)
{
	for (;;) {
		uint64_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && palist_pa(a[child + 1]) > palist_pa(a[child]))
			child++;
		if (palist_pa(a[root]) >= palist_pa(a[child]))
			return;
		uint64_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

void palist_sort(uint64_t *a, uint64_t n)
{
	for (uint64_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (uint64_t end = n; end > 1; end--) {
		uint64_t t = a[0];
		a[0] = a[end - 1];
		a[end - 1] = t;
		sift_down(a, 0, end - 1);
	}
}

int64_t palist_find(const uint64_t *a, uint64_t n, paddr_t pa)
{
	uint64_t lo = 0, hi = n;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (palist_pa(a[mid]) < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && palist_pa(a[lo]) == pa ? (int64_t)lo : -1;
}
